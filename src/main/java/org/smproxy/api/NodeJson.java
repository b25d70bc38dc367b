package org.smproxy.api;

import java.util.Map;

import org.smproxy.cluster.Node;

/** A node as the admin API shows it: everything an operator needs to see why it is or is not being chosen. */
public record NodeJson(String id, String nodeGroup, String subGroup, String role, String state, String reportedState,
                       String address, String publicAddress, String privateAddress, int httpPort, int httpsPort,
                       int wsPort, int rank, int limit, boolean atCapacity, boolean candidate, boolean isStatic,
                       long lastHeartbeatMillis, long heartbeatAgeMs, Map<String, Double> metrics) {

    static NodeJson of(Node n, long nowMillis) {
        return new NodeJson(n.id(), n.nodeGroup(), n.subGroup(), n.role().wireName(), n.state().name(),
                n.reportedState().name(), n.address(), n.publicAddress(), n.privateAddress(), n.httpPort(),
                n.httpsPort(), n.wsPort(), n.rank(), n.limit(), n.atCapacity(),
                n.inService() && !n.atCapacity() && !n.role().capabilities().isEmpty(), n.isStatic(),
                n.lastHeartbeatMillis(), Math.max(0, nowMillis - n.lastHeartbeatMillis()), n.metrics());
    }
}
