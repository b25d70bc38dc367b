package org.smproxy.cluster;

import java.util.Map;

/**
 * An immutable view of one node as the model last saw it; what selection returns and the APIs print.
 *
 * @param address  how clients name this node ({@code serverAddress}, {@code Session-Host}, {@code host=}): the
 *                 public IP when the node listens on its group's standard port, ip:port otherwise, so that nodes
 *                 sharing one IP (simulated clusters) stay distinct
 * @param state    the effective state: an operator's override (drain, fault) wins over what the node reports
 * @param rank     Red5's truncated capacity ranking, lower is better
 */
public record Node(
        String id,
        String nodeGroup,
        String subGroup,
        Role role,
        NodeState state,
        NodeState reportedState,
        String publicAddress,
        String privateAddress,
        int httpPort,
        int httpsPort,
        int wsPort,
        String address,
        Map<String, Double> metrics,
        int rank,
        int limit,
        long lastHeartbeatMillis,
        boolean isStatic) {

    public boolean inService() {
        return state == NodeState.INSERVICE;
    }

    /** A draining node (SOFT_SUNSET) takes no new sessions but still serves the ones it has. */
    public boolean servesExistingSessions() {
        return state == NodeState.INSERVICE || state == NodeState.SOFT_SUNSET;
    }

    /** The one state guard of every relay: new sessions only on INSERVICE nodes, existing ones while draining too. */
    public Node requireAvailable(boolean existingSession) {
        if (existingSession ? !servesExistingSessions() : !inService()) {
            throw new ClusterException.NodeNotInService("node " + address + " is " + state
                    + (existingSession ? "" : " and takes no new sessions"));
        }
        return this;
    }

    public boolean atCapacity() {
        return rank >= limit;
    }

    public double metric(String name) {
        return metrics.getOrDefault(name, 0.0);
    }

    /** Where the proxy itself connects: the private backplane address when there is one and it is wanted. */
    public String upstreamHost(boolean usePrivateAddress) {
        String host = usePrivateAddress && privateAddress != null && !privateAddress.isEmpty()
                ? privateAddress : publicAddress;
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    static String addressOf(String publicAddress, int httpPort, int standardPort) {
        if (httpPort == standardPort) {
            return publicAddress;
        }
        String host = publicAddress.indexOf(':') >= 0 ? "[" + publicAddress + "]" : publicAddress;
        return host + ":" + httpPort;
    }
}
