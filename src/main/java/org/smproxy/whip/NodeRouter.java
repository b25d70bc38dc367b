package org.smproxy.whip;

import java.util.List;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.Params;

/**
 * Decides which node a relayed request goes to, and never one the cluster model does not know: a session token's
 * node, a client's {@code host} checked against the model, or the model's own choice.
 */
public final class NodeRouter {
    private final ClusterModel cluster;
    private final RouteTokens tokens;

    public NodeRouter(ClusterModel cluster, RouteTokens tokens) {
        this.cluster = cluster;
        this.tokens = tokens;
    }

    Exchange.Route route(Exchange ex) {
        RelayPath path = ex.path;
        if (path.isResource()) {
            return bySession(ex);
        }
        String host = ex.param("host");
        if (host != null && !host.isEmpty()) {
            return byHost(ex, host);
        }
        if (ex.onSession()) {
            throw new ApiException(400, ex.method + " needs the session's resource URL (the Location of the POST) or"
                    + " host=<the node's address>");
        }
        return new Exchange.Route(select(ex, null), endpointPath(path.kind(), path.stream()), true);
    }

    /** After a refused connection: another node of the same kind, never the one that refused. */
    Exchange.Route reroute(Exchange ex) {
        Node failed = ex.route.node();
        return new Exchange.Route(select(ex, failed), endpointPath(ex.path.kind(), ex.path.stream()), true);
    }

    private Exchange.Route bySession(Exchange ex) {
        RouteTokens.Route ref = tokens.verify(ex.path.token(), ex.path.kind().word());
        Node node = cluster.findById(ref.nodeId()).orElseThrow(() -> new ApiException(404,
                "session not found: its node '" + ref.nodeId() + "' has left the cluster"));
        requireState(node, true);
        return new Exchange.Route(node, ref.nodeResource(), false);
    }

    private Exchange.Route byHost(Exchange ex, String host) {
        Node node = cluster.findByAddress(host).orElseThrow(() -> new ApiException(400,
                "host '" + host + "' is not a node of this cluster"));
        RelayKind kind = ex.path.kind();
        if (!node.role().can(kind.capability())) {
            throw new ApiException(400, "node " + node.address() + " is an " + node.role().wireName()
                    + " and takes no " + kind.word().toUpperCase() + " sessions");
        }
        requireState(node, ex.onSession());
        // Red5's style: PATCH/DELETE on the endpoint URL with host= act on /<scope>/whip|whep/resource/<stream>.
        String nodePath = ex.onSession() ? resourcePath(kind, ex.path.stream()) : endpointPath(kind, ex.path.stream());
        return new Exchange.Route(node, nodePath, !ex.onSession());
    }

    /** New sessions only on INSERVICE nodes; a draining node still serves the sessions it has. */
    private static void requireState(Node node, boolean existingSession) {
        boolean ok = node.state() == NodeState.INSERVICE || (existingSession && node.state() == NodeState.SOFT_SUNSET);
        if (!ok) {
            throw new ApiException(409, "node " + node.address() + " is " + node.state()
                    + (existingSession ? "" : " and takes no new sessions"));
        }
    }

    private Node select(Exchange ex, Node exclude) {
        String group = ex.param("nodeGroup");
        if (group == null || group.isEmpty()) {
            group = exclude != null ? exclude.nodeGroup()
                    : ex.path.shape() == RelayPath.Shape.SM1 ? cluster.sm1GroupName() : ClusterModel.DEFAULT_ALIAS;
        }
        List<String> where = Params.list(firstNonEmpty(ex.param("region"), ex.param("subgroup"), ex.param("subGroup")));
        boolean strict = Params.bool("strict", ex.param("strict"), false);
        if (exclude != null && where.isEmpty()) {
            where = List.of(exclude.subGroup()); // stay near the node the client was sent to
        }
        SelectionRequest req = new SelectionRequest(group, ex.path.stream().value(), where, strict, 1,
                ex.path.kind() == RelayKind.WHIP && Params.bool("transcode", ex.param("transcode"), false), exclude == null ? null : exclude.id());
        List<Node> nodes = ex.path.kind() == RelayKind.WHIP ? cluster.selectPublish(req) : cluster.selectSubscribe(req);
        return nodes.get(0);
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    static String endpointPath(RelayKind kind, StreamGuid stream) {
        return "/" + stream.scope() + "/" + kind.word() + "/endpoint/" + stream.name();
    }

    static String resourcePath(RelayKind kind, StreamGuid stream) {
        return "/" + stream.scope() + "/" + kind.word() + "/resource/" + stream.name();
    }
}
