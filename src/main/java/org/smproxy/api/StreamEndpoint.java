package org.smproxy.api;

import org.smproxy.cluster.Node;
import org.smproxy.cluster.StreamView;

/** One server for one stream, in the SM 2.0 Streams API shape. {@code durationMs} only in lists and stats. */
public record StreamEndpoint(String streamGuid, String serverAddress, String nodeRole, String subGroup,
                             String nodeState, int subscribers, Long durationMs) {

    static StreamEndpoint of(String streamGuid, Node node, int subscribers) {
        return new StreamEndpoint(streamGuid, node.address(), node.role().wireName(), node.subGroup(),
                node.state().name(), subscribers, null);
    }

    static StreamEndpoint of(StreamView stream, StreamView.Location at, long nowMillis) {
        Node node = at.node();
        return new StreamEndpoint(stream.streamGuid(), node.address(), node.role().wireName(), node.subGroup(),
                node.state().name(), at.subscribers(), Math.max(0, nowMillis - stream.startedMillis()));
    }
}
