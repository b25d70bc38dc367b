package org.smproxy.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.StreamView;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.http.TokenCheck;
import org.smproxy.store.ClusterStore;

/**
 * Operator API: nodes (list, one, drain or fault, forget) and streams. Needs the admin token on every call.
 *
 * <pre>
 * GET    .../admin/nodes[?nodeGroup=ng&amp;state=INSERVICE]
 * GET    .../admin/nodes/{id}
 * PUT    .../admin/nodes/{id}/state   {"state":"SOFT_SUNSET"}   (drain; FAULT, INSERVICE, ...)
 * DELETE .../admin/nodes/{id}/state   clear the override: the node's own state counts again
 * DELETE .../admin/nodes/{id}         forget the node (it comes back with its next heartbeat)
 * GET    .../admin/streams
 * </pre>
 */
public final class AdminApi extends ApiHandler {
    private static final int MAX_BODY = 4096;

    private final ClusterModel cluster;
    private final ClusterStore store;
    private final TokenCheck token;

    /** Reads answer from the local view; changes go through the store, so every replica makes them. */
    public AdminApi(ClusterModel cluster, ClusterStore store, TokenCheck token, ErrorDialect dialect) {
        super(dialect);
        this.cluster = cluster;
        this.store = store;
        this.token = token;
    }

    /** Body of a state change. */
    public record StateChange(String state) {
    }

    @Override
    public int maxBodyBytes() {
        return MAX_BODY;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        token.require(call);
        String collection = call.segment(0);
        if ("nodes".equals(collection)) {
            return nodes(call);
        }
        if ("streams".equals(collection) && call.path().size() == 1) {
            call.allow("GET");
            return streams(call);
        }
        throw call.notFound();
    }

    private HttpOut nodes(ApiCall call) {
        String id = call.segment(1);
        int depth = call.path().size();
        if (depth == 1) {
            call.allow("GET");
            String group = call.param("nodeGroup");
            String state = call.param("state");
            NodeState wanted = state == null ? null : parseState(state);
            List<NodeJson> body = new ArrayList<>();
            for (Node n : cluster.nodes()) {
                if ((group == null || group.equals(n.nodeGroup())) && (wanted == null || wanted == n.state())) {
                    body.add(NodeJson.of(n, cluster.nowMillis()));
                }
            }
            return HttpOut.json(200, body);
        } else if (depth == 2 && "GET".equals(call.method())) {
            return HttpOut.json(200, NodeJson.of(node(id), cluster.nowMillis()));
        } else if (depth == 2 && "DELETE".equals(call.method())) {
            node(id);
            store.remove(id, "removed by operator");
            return new HttpOut(204);
        } else if (depth == 3 && "state".equals(call.segment(2))) {
            return state(call, id);
        } else if (depth == 2) {
            throw call.methodNotAllowed("GET, DELETE");
        }
        throw call.notFound();
    }

    private HttpOut state(ApiCall call, String id) {
        Node changed;
        if ("PUT".equals(call.method()) || "POST".equals(call.method())) {
            StateChange change = call.body(StateChange.class);
            if (change.state() == null) {
                throw new ApiException(400, "'state' is required, e.g. {\"state\":\"SOFT_SUNSET\"}");
            }
            changed = store.setAdminState(id, parseState(change.state()));
        } else if ("DELETE".equals(call.method())) {
            changed = store.setAdminState(id, null);
        } else {
            throw call.methodNotAllowed("PUT, DELETE");
        }
        return HttpOut.json(200, NodeJson.of(changed, cluster.nowMillis()));
    }

    private HttpOut streams(ApiCall call) {
        Map<String, List<StreamEndpoint>> body = new LinkedHashMap<>();
        long now = cluster.nowMillis();
        for (String group : cluster.groupNames()) {
            List<StreamEndpoint> entries = new ArrayList<>();
            for (StreamView s : cluster.streams(group)) {
                for (StreamView.Location at : s.locations()) {
                    entries.add(StreamEndpoint.of(s, at, now));
                }
            }
            body.put(group, entries);
        }
        return HttpOut.json(200, body);
    }

    private Node node(String id) {
        return cluster.findById(id).orElseThrow(() -> new ApiException(404, "node '" + id + "' not found"));
    }

    private static NodeState parseState(String state) {
        try {
            return NodeState.parse(state);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
    }

}
