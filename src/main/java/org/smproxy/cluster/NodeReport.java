package org.smproxy.cluster;

import java.util.List;
import java.util.Map;

/**
 * What a node says about itself, in a heartbeat or in the static cluster file. Validated by {@link ClusterModel}
 * before it touches the model.
 *
 * @param metrics Red5 metric names ({@code connections.client}, {@code cpu.loadavg.1min}, ...) to values
 * @param streams the streams the node publishes or carries
 */
public record NodeReport(
        String id,
        String nodeGroup,
        Role role,
        String subGroup,
        String publicAddress,
        String privateAddress,
        int httpPort,
        int httpsPort,
        int wsPort,
        NodeState state,
        Map<String, Double> metrics,
        List<StreamReport> streams) {

    public NodeReport {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        streams = streams == null ? List.of() : List.copyOf(streams);
        subGroup = subGroup == null ? "" : subGroup;
    }

    /** A stream on a node: {@code publishing} for the node it is published to, false where it is carried. */
    public record StreamReport(String streamGuid, boolean publishing, int subscribers) {
    }
}
