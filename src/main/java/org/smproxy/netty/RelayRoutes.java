package org.smproxy.netty;

import java.util.ArrayList;
import java.util.List;

import org.smproxy.cluster.Capability;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;

/**
 * Which node a relayed request goes to, and never one the cluster model does not know: a session token's node, a
 * client's {@code host} checked against the model, or the model's own choice. The same rules as the servlet relay's
 * NodeRouter (org.smproxy.whip), which is bound to its servlet exchange; both become one in the transport-neutral core.
 */
final class RelayRoutes {
    private final ClusterModel cluster;
    private final RouteTokens tokens;

    /** Where a request goes: the node and the path on it. {@code replaceable}: the proxy may pick another node. */
    record Target(Node node, String nodePath, boolean replaceable) {
    }

    RelayRoutes(ClusterModel cluster, RouteTokens tokens) {
        this.cluster = cluster;
        this.tokens = tokens;
    }

    Target route(RelayRequest req) {
        if (req.token != null) {
            return bySession(req);
        }
        String host = req.param("host");
        if (host != null && !host.isEmpty()) {
            return byHost(req, host);
        }
        if (req.onSession()) {
            throw new ApiException(400, req.method + " needs the session's resource URL (the Location of the POST) or"
                    + " host=<the node's address>");
        }
        return new Target(select(req, null), endpointPath(req), true);
    }

    /** After a refused connection: another node of the same kind, never the one that refused. */
    Target reroute(RelayRequest req, Node failed) {
        return new Target(select(req, failed), endpointPath(req), true);
    }

    private Target bySession(RelayRequest req) {
        RouteTokens.Route ref = tokens.verify(req.token, req.kind.word);
        Node node = cluster.findById(ref.nodeId()).orElseThrow(() -> new ApiException(404,
                "session not found: its node '" + ref.nodeId() + "' has left the cluster"));
        requireState(node, true);
        return new Target(node, ref.nodeResource(), false);
    }

    private Target byHost(RelayRequest req, String host) {
        Node node = cluster.findByAddress(host).orElseThrow(() -> new ApiException(400,
                "host '" + host + "' is not a node of this cluster"));
        if (!node.role().can(capability(req))) {
            throw new ApiException(400, "node " + node.address() + " is an " + node.role().wireName()
                    + " and takes no " + req.kind.word.toUpperCase() + " sessions");
        }
        requireState(node, req.onSession());
        // Red5's style: PATCH/DELETE on the endpoint URL with host= act on /<scope>/whip|whep/resource/<stream>.
        return new Target(node, req.onSession() ? resourcePath(req) : endpointPath(req), !req.onSession());
    }

    /** New sessions only on INSERVICE nodes; a draining node still serves the sessions it has. */
    private static void requireState(Node node, boolean existingSession) {
        boolean ok = node.state() == NodeState.INSERVICE || (existingSession && node.state() == NodeState.SOFT_SUNSET);
        if (!ok) {
            throw new ApiException(409, "node " + node.address() + " is " + node.state()
                    + (existingSession ? "" : " and takes no new sessions"));
        }
    }

    private Node select(RelayRequest req, Node exclude) {
        String group = req.param("nodeGroup");
        if (group == null || group.isEmpty()) {
            group = exclude != null ? exclude.nodeGroup() : ClusterModel.DEFAULT_ALIAS;
        }
        List<String> where = list(firstNonEmpty(req.param("region"), req.param("subgroup"), req.param("subGroup")));
        if (exclude != null && where.isEmpty()) {
            where = List.of(exclude.subGroup()); // stay near the node the client was sent to
        }
        SelectionRequest sel = new SelectionRequest(group, req.stream.value(), where, bool(req, "strict"), 1,
                req.kind == RelayRequest.Kind.WHIP && bool(req, "transcode"), exclude == null ? null : exclude.id());
        List<Node> nodes = req.kind == RelayRequest.Kind.WHIP ? cluster.selectPublish(sel) : cluster.selectSubscribe(sel);
        return nodes.get(0);
    }

    private static Capability capability(RelayRequest req) {
        return req.kind == RelayRequest.Kind.WHIP ? Capability.PUBLISH : Capability.SUBSCRIBE;
    }

    private static boolean bool(RelayRequest req, String name) {
        String v = req.param(name);
        if (v == null || v.isEmpty() || "false".equals(v) || "0".equals(v)) {
            return false;
        }
        if ("true".equals(v) || "1".equals(v)) {
            return true;
        }
        throw new ApiException(400, "'" + name + "' must be true or false, not '" + v + "'");
    }

    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        if (value != null) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    static String endpointPath(RelayRequest req) {
        return "/" + req.stream.scope() + "/" + req.kind.word + "/endpoint/" + req.stream.name();
    }

    static String resourcePath(RelayRequest req) {
        return "/" + req.stream.scope() + "/" + req.kind.word + "/resource/" + req.stream.name();
    }
}
