package org.smproxy.api;

import java.util.ArrayList;
import java.util.List;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.cluster.StreamView;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.http.Params;
import org.smproxy.http.SelectionParams;

/**
 * SM 2.0 Streams API under {@code /as/v1/streams}: get server for publish or subscribe, list streams, stream stats.
 * Same paths, parameters, JSON and statuses as Red5's AS-Streams (wire reference §3).
 */
public final class StreamsApi extends ApiHandler {
    private final ClusterModel cluster;

    public StreamsApi(ClusterModel cluster) {
        super(ErrorDialect.SM2);
        this.cluster = cluster;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        if (!"stream".equals(call.segment(0)) || call.segment(1) == null || call.segment(1).isEmpty()) {
            throw call.notFound();
        }
        call.allow("GET");
        String group = call.segment(1);
        String action = call.segment(2);
        if (action == null || action.isEmpty()) {
            return list(call, group);
        }
        StreamGuid guid = new StreamGuid(call.rest(3));
        switch (action) {
            case "publish": return publish(call, group, guid);
            case "subscribe": return subscribe(call, group, guid);
            case "stream": return stats(call, group, guid);
            default: throw call.notFound();
        }
    }

    private HttpOut publish(ApiCall call, String group, StreamGuid guid) {
        List<Node> nodes = cluster.selectPublish(SelectionParams.read(call::param, group, guid.value(),
                true, true));
        List<StreamEndpoint> body = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            body.add(StreamEndpoint.of(guid.value(), n, 0));
        }
        return HttpOut.json(200, body);
    }

    private HttpOut subscribe(ApiCall call, String group, StreamGuid guid) {
        SelectionRequest req = SelectionParams.read(call::param, group, guid.value(), false, true);
        List<Node> nodes = cluster.selectSubscribe(req);
        StreamView view = cluster.stream(req.nodeGroup(), guid.value()).orElse(null);
        List<StreamEndpoint> body = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            body.add(StreamEndpoint.of(guid.value(), n, subscribersOn(view, n)));
        }
        return HttpOut.json(200, body);
    }

    private HttpOut stats(ApiCall call, String group, StreamGuid guid) {
        StreamView view = cluster.stream(group, guid.value()).orElseThrow(
                () -> new org.smproxy.http.ApiException(404, "stream '" + guid + "' not found in node group '" + group + "'"));
        return HttpOut.json(200, entries(List.of(view), Params.bool("aggregate", call.param("aggregate"), false)));
    }

    private HttpOut list(ApiCall call, String group) {
        return HttpOut.json(200, entries(cluster.streams(group), Params.bool("aggregate", call.param("aggregate"), false)));
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
