package org.smproxy.whip;

import java.util.List;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.SelectionParams;

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
        node.requireAvailable(true);
        return new Exchange.Route(node, ref.nodeResource(), false);
    }

    private Exchange.Route byHost(Exchange ex, String host) {
        Node node = cluster.findByAddress(host).orElseThrow(() -> new ApiException(400,
                "host '" + host + "' is not a node of this cluster"));
        RelayKind kind = ex.path.kind();
        if (kind == RelayKind.WHIP ? !node.role().takesPublishers() : !node.role().can(kind.capability())) {
            throw new ApiException(400, "node " + node.address() + " is an " + node.role().wireName()
                    + " and takes no " + kind.word().toUpperCase() + " sessions");
        }
        node.requireAvailable(ex.onSession());
        // Red5's style: PATCH/DELETE on the endpoint URL with host= act on /<scope>/whip|whep/resource/<stream>.
        String nodePath = ex.onSession() ? resourcePath(kind, ex.path.stream()) : endpointPath(kind, ex.path.stream());
        return new Exchange.Route(node, nodePath, !ex.onSession());
    }

    private Node select(Exchange ex, Node exclude) {
        String group = ex.param("nodeGroup");
        if (group == null || group.isEmpty()) {
            group = exclude != null ? exclude.nodeGroup()
                    : ex.path.shape() == RelayPath.Shape.SM1 ? cluster.sm1GroupName() : ClusterModel.DEFAULT_ALIAS;
        }
        boolean publish = ex.path.kind() == RelayKind.WHIP;
        SelectionRequest req = SelectionParams.read(ex::param, group, ex.path.stream().value(), publish, false);
        if (exclude != null) {
            // stay near the node the client was sent to
            List<String> where = req.subGroups().isEmpty() ? List.of(exclude.subGroup()) : req.subGroups();
            req = new SelectionRequest(group, req.streamGuid(), where, req.strict(), 1, req.transcode(), exclude.id());
        }
        List<Node> nodes = publish ? cluster.selectPublish(req) : cluster.selectSubscribe(req);
        return nodes.get(0);
    }

    static String endpointPath(RelayKind kind, StreamGuid stream) {
        return "/" + stream.scope() + "/" + kind.word() + "/endpoint/" + stream.name();
    }

    static String resourcePath(RelayKind kind, StreamGuid stream) {
        return "/" + stream.scope() + "/" + kind.word() + "/resource/" + stream.name();
    }
}
