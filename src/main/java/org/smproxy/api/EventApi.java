package org.smproxy.api;

import java.util.ArrayList;
import java.util.List;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.cluster.StreamView;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.http.SelectionParams;

/**
 * SM 1.x event API under {@code /streammanager/api/4.0/event} (and 3.1, same shapes): an origin for a broadcaster,
 * an edge for a subscriber (wire reference §4). SM 1.x URLs name no node group, so the configured one is used.
 */
public final class EventApi extends ApiHandler {
    private final ClusterModel cluster;

    public EventApi(ClusterModel cluster) {
        super(ErrorDialect.SM1);
        this.cluster = cluster;
    }

    /** SM 1.x answer: one object, or an array when more than one endpoint was asked for. */
    public record EventAnswer(String name, String scope, String serverAddress, String region) {
    }

    /** A stream in the SM 1.x list. */
    public record ListedStream(String name, String scope, String serverAddress, String region, String type,
                               int subscribers) {
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET");
        if (call.path().size() == 1 && "list".equals(call.segment(0))) {
            return list(call);
        }
        if (call.path().size() < 2) {
            throw new ApiException(400, "expected /event/<scope>/<stream>?action=broadcast|subscribe");
        }
        StreamGuid guid = new StreamGuid(call.rest(0));
        String action = call.param("action");
        String group = cluster.sm1GroupName();
        boolean broadcast = "broadcast".equals(action);
        // Red5 1.x has both region and geozone; a geozone is a parent sub-group here, so both are a preference list.
        SelectionRequest sel = broadcast || "subscribe".equals(action) ? SelectionParams.read(call::param,
                group, guid.value(), broadcast, true, "region", "geozone") : null;
        int endpoints = sel == null ? 1 : sel.endpoints();
        List<Node> nodes;
        if (broadcast) {
            if (sel.transcode() && !cluster.provisions().covers(group, guid.value())) {
                // SM 1.x gives an origin for a stream not provisioned, where SM 2.0 answers 404
                sel = new SelectionRequest(group, sel.streamGuid(), sel.subGroups(), sel.strict(), sel.endpoints(), false);
            }
            nodes = cluster.selectPublish(sel);
        } else if (sel != null) {
            nodes = cluster.selectSubscribe(sel);
        } else {
            throw new ApiException(400, "'action' must be broadcast or subscribe, not '" + action + "'");
        }
        List<EventAnswer> answers = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            answers.add(new EventAnswer(guid.name(), "/" + guid.scope(), n.address(), n.subGroup()));
        }
        return HttpOut.json(200, endpoints == 1 ? answers.get(0) : answers);
    }

    private HttpOut list(ApiCall call) {
        List<ListedStream> body = new ArrayList<>();
        for (StreamView s : cluster.streams(cluster.sm1GroupName())) {
            StreamGuid guid = new StreamGuid(s.streamGuid());
            for (StreamView.Location at : s.locations()) {
                Node n = at.node();
                body.add(new ListedStream(guid.name(), "/" + guid.scope(), n.address(), n.subGroup(),
                        at.publishing() ? "origin" : "edge", at.subscribers()));
            }
        }
        return HttpOut.json(200, body);
    }
}
