package org.smproxy.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import org.smproxy.http.NodeTokens;
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
 * POST   .../admin/nodes/{id}/token   {"nodeGroup":"ng1","ttl":"90d"} (both optional): a heartbeat token for that
 *                                     node only
 * GET    .../admin/tokens              {"revoked":[ids revoked at run time],"configured":[api.node.revokedTokens]}
 * DELETE .../admin/tokens/{tokenId}    revokes that node token on every replica, at once (200, idempotent)
 * GET    .../admin/streams
 * </pre>
 */
public final class AdminApi extends ApiHandler {
    private static final int MAX_BODY = 4096;

    private final ClusterModel cluster;
    private final ClusterStore store;
    private final TokenCheck token;
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private final NodeTokens nodeTokens;

    /** Reads answer from the local view; changes go through the store, so every replica makes them. */
    public AdminApi(ClusterModel cluster, ClusterStore store, TokenCheck token, NodeTokens nodeTokens,
                    ErrorDialect dialect) {
        super(dialect);
        this.nodeTokens = nodeTokens;
        this.cluster = cluster;
        this.store = store;
        this.token = token;
    }

    /** Body of a token request: both optional. */
    public record TokenRequest(String nodeGroup, String ttl) {
    }

    /** A node token: give {@code token} to the node (its Authorization: Bearer); {@code tokenId} revokes it. */
    public record TokenAnswer(String nodeId, String nodeGroup, String tokenId, Long expiresAtMillis, String token) {
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
        if ("tokens".equals(collection)) {
            return tokens(call);
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
        } else if (depth == 3 && "token".equals(call.segment(2))) {
            call.allow("POST");
            return issueToken(call, id);
        } else if (depth == 3 && "state".equals(call.segment(2))) {
            return state(call, id);
        } else if (depth == 2) {
            throw call.methodNotAllowed("GET, DELETE");
        }
        throw call.notFound();
    }

    /** Revoked node tokens: a leaked one is revoked here, by the tokenId its issue answered with. */
    public record Revocations(java.util.List<String> revoked, java.util.List<String> configured) {
    }

    /** One revocation done. */
    public record Revoked(String tokenId, boolean revoked) {
    }

    private HttpOut tokens(ApiCall call) {
        if (call.path().size() == 1) {
            call.allow("GET");
            return HttpOut.json(200, new Revocations(new ArrayList<>(new java.util.TreeSet<>(store.revokedNodeTokens())),
                    new ArrayList<>(new java.util.TreeSet<>(nodeTokens.configuredRevocations()))));
        }
        if (call.path().size() != 2) {
            throw call.notFound();
        }
        call.allow("DELETE");
        String id = call.segment(1);
        if (!id.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new ApiException(400, "token id '" + id + "' is not one: the tokenId a token's issue answered with"
                    + " (letters, digits and . _ -, at most 128)");
        }
        store.revokeNodeToken(id);
        log.info("node token '{}' revoked by an operator", id);
        return HttpOut.json(200, new Revoked(id, true));
    }

    /** The node need not exist yet: a token is usually made before the node first starts. */
    private HttpOut issueToken(ApiCall call, String id) {
        if (!id.matches("[A-Za-z0-9._~@+=-]{1,128}")) {
            throw new ApiException(400, "node id '" + id + "' may hold letters, digits and . _ ~ @ + = - (at most 128)");
        }
        TokenRequest req = call.in().body().length == 0 ? new TokenRequest(null, null) : call.body(TokenRequest.class);
        if (req.nodeGroup() != null && !cluster.groupNames().contains(req.nodeGroup())) {
            throw new ApiException(404, "node group '" + req.nodeGroup() + "' not found");
        }
        java.time.Duration ttl = null;
        if (req.ttl() != null) {
            try {
                ttl = org.smproxy.config.ProxyConfig.parseDuration(req.ttl());
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "'ttl' must be a duration such as 30d or 12h, not '" + req.ttl() + "'");
            }
        }
        NodeTokens.Issued issued = nodeTokens.issue(id, req.nodeGroup(), ttl);
        NodeTokens.Claims c = issued.claims();
        return HttpOut.json(201, new TokenAnswer(c.nodeId(), c.nodeGroup(), c.tokenId(),
                c.expiresAt() == null ? null : c.expiresAt().toEpochMilli(), issued.token()));
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
