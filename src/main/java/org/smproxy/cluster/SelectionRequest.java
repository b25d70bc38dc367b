package org.smproxy.cluster;

import java.util.List;

/**
 * A "get server for publish/subscribe" question, as Red5's AS-Streams takes it.
 *
 * @param subGroups preferred sub-groups (regions) in order; empty means anywhere in the group
 * @param strict    only the preferred sub-groups, and exactly {@code endpoints} nodes, or fail
 * @param endpoints how many nodes to return, at least 1
 * @param excludedNodeId a node not to return (one that just refused a connection), or null
 */
public record SelectionRequest(String nodeGroup, String streamGuid, List<String> subGroups, boolean strict,
                               int endpoints, boolean transcode, String excludedNodeId) {

    public SelectionRequest(String nodeGroup, String streamGuid, List<String> subGroups, boolean strict, int endpoints,
                            boolean transcode) {
        this(nodeGroup, streamGuid, subGroups, strict, endpoints, transcode, null);
    }

    public SelectionRequest excluding(String nodeId) {
        return new SelectionRequest(nodeGroup, streamGuid, subGroups, strict, endpoints, transcode, nodeId);
    }

    public SelectionRequest {
        subGroups = subGroups == null ? List.of() : List.copyOf(subGroups);
        if (endpoints < 1) {
            throw new ClusterException.InvalidRequest("endpoints: " + endpoints + " (expected: >= 1)");
        }
        if (transcode && endpoints > 1) {
            throw new ClusterException.InvalidRequest("endpoints: " + endpoints + " (expected: 1 when transcode=true)");
        }
    }

    public static SelectionRequest simple(String nodeGroup, String streamGuid) {
        return new SelectionRequest(nodeGroup, streamGuid, List.of(), false, 1, false);
    }
}
