package org.smproxy.cluster;

/**
 * How loaded a node is and where it must stop taking clients: Red5's capacityRankingExpression (lower is better)
 * and capacityLimitExpression (a node whose rank is at or beyond the limit is never chosen).
 */
public record CapacityRule(MetricExpression ranking, MetricExpression limit) {

    /** Connections relative to capacity, in thousandths, so truncation to int keeps useful resolution. */
    public static final String DEFAULT_RANKING = "connections.client * 1000 / capacity";
    public static final String DEFAULT_LIMIT = "1000";

    public static CapacityRule defaults() {
        return of(DEFAULT_RANKING, DEFAULT_LIMIT);
    }

    public static CapacityRule of(String ranking, String limit) {
        return new CapacityRule(MetricExpression.compile(ranking, MetricExpression.NODE_VARIABLES),
                MetricExpression.compile(limit, MetricExpression.NODE_VARIABLES));
    }
}
