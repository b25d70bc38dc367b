package org.smproxy.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.cluster.StreamView;
import org.smproxy.http.ApiServlet;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Json;
import org.smproxy.http.Params;
import org.smproxy.http.SelectionParams;

/**
 * SM 2.0 Streams API under {@code /as/v1/streams}: get server for publish or subscribe, list streams, stream stats.
 * Same paths, parameters, JSON and statuses as Red5's AS-Streams (wire reference §3).
 */
public final class StreamsServlet extends ApiServlet {
    private final ClusterModel cluster;

    public StreamsServlet(ClusterModel cluster) {
        super(ErrorDialect.SM2);
        this.cluster = cluster;
    }


    @Override
    protected void handle(Call call) throws IOException {
        if (!"stream".equals(call.segment(0)) || call.segment(1) == null || call.segment(1).isEmpty()) {
            throw notFound(call);
        }
        if (!"GET".equals(call.method())) {
            throw methodNotAllowed(call, "GET");
        }
        String group = call.segment(1);
        String action = call.segment(2);
        if (action == null || action.isEmpty()) {
            list(call, group);
            return;
        }
        StreamGuid guid = new StreamGuid(call.rest(3));
        switch (action) {
            case "publish": publish(call, group, guid); break;
            case "subscribe": subscribe(call, group, guid); break;
            case "stream": stats(call, group, guid); break;
            default: throw notFound(call);
        }
    }

    private void publish(Call call, String group, StreamGuid guid) throws IOException {
        List<Node> nodes = cluster.selectPublish(SelectionParams.read(call.req()::getParameter, group, guid.value(),
                true, true));
        List<StreamEndpoint> body = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            body.add(StreamEndpoint.of(guid.value(), n, 0));
        }
        Json.write(call.resp(), 200, body);
    }

    private void subscribe(Call call, String group, StreamGuid guid) throws IOException {
        SelectionRequest req = SelectionParams.read(call.req()::getParameter, group, guid.value(), false, true);
        List<Node> nodes = cluster.selectSubscribe(req);
        StreamView view = cluster.stream(req.nodeGroup(), guid.value()).orElse(null);
        List<StreamEndpoint> body = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            body.add(StreamEndpoint.of(guid.value(), n, subscribersOn(view, n)));
        }
        Json.write(call.resp(), 200, body);
    }

    private void stats(Call call, String group, StreamGuid guid) throws IOException {
        StreamView view = cluster.stream(group, guid.value()).orElseThrow(
                () -> new org.smproxy.http.ApiException(404, "stream '" + guid + "' not found in node group '" + group + "'"));
        Json.write(call.resp(), 200, entries(List.of(view), Params.bool(call.req(), "aggregate", false)));
    }

    private void list(Call call, String group) throws IOException {
        Json.write(call.resp(), 200, entries(cluster.streams(group), Params.bool(call.req(), "aggregate", false)));
    }

    /** One entry per node carrying each stream, or with {@code aggregate} one per stream with the subscribers summed. */
    private List<StreamEndpoint> entries(List<StreamView> streams, boolean aggregate) {
        long now = cluster.nowMillis();
        List<StreamEndpoint> body = new ArrayList<>();
        for (StreamView s : streams) {
            if (aggregate && !s.locations().isEmpty()) {
                StreamEndpoint first = StreamEndpoint.of(s, s.locations().get(0), now);
                body.add(new StreamEndpoint(first.streamGuid(), first.serverAddress(), first.nodeRole(), first.subGroup(),
                        first.nodeState(), s.subscribers(), first.durationMs()));
                continue;
            }
            for (StreamView.Location at : s.locations()) {
                body.add(StreamEndpoint.of(s, at, now));
            }
        }
        return body;
    }

    private static int subscribersOn(StreamView view, Node node) {
        if (view != null) {
            for (StreamView.Location at : view.locations()) {
                if (at.node().id().equals(node.id())) {
                    return at.subscribers();
                }
            }
        }
        return 0;
    }
}
