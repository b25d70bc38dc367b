package org.smproxy.cluster;

/**
 * A node's place in a sorted candidate set. Ordered by rank, then id, so the head of a set is always the best
 * node and equal ranks still have a stable total order (skip lists need one).
 */
final class Ranked implements Comparable<Ranked> {
    final int rank;
    final String nodeId;
    /** Replaced in place on heartbeats that do not move the node, so readers always see fresh load figures. */
    volatile Node node;

    Ranked(Node node) {
        this.rank = node.rank();
        this.nodeId = node.id();
        this.node = node;
    }

    @Override
    public int compareTo(Ranked other) {
        int byRank = Integer.compare(rank, other.rank);
        return byRank != 0 ? byRank : nodeId.compareTo(other.nodeId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ranked && compareTo((Ranked) o) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * rank + nodeId.hashCode();
    }
}
