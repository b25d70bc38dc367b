package org.smproxy.api;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeGroupConfig;
import org.smproxy.config.Networks;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Failures;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeClient;
import org.smproxy.http.NodeLeg;
import org.smproxy.http.Query;
import org.smproxy.http.RelayLog;
import org.smproxy.http.TokenCheck;

/**
 * SM 2.0's forward proxy, closed: {@code GET|POST|PUT|DELETE /as/v1/proxy/forward/?target=<URL-encoded node URL>}
 * relays one operator's request to a node's own HTTP API (VOD listings, the interstitial servlet, the SocialPusher)
 * and the node's answer back. Red5's forwards to any URL; this one only to {@code http://<address>:<httpPort>} of a
 * node the cluster knows and that serves, by either of its addresses, and refuses anything else with the reason: no
 * open proxy, no SSRF. A name is never resolved, and a node's redirect never followed.
 *
 * <p>With {@code digestAction} and {@code nodegroup}, the node URL is signed with the group's cluster password as
 * Red5's cluster auth expects ({@link ClusterDigest}): how Red5's testbed starts a SocialPusher forward.
 */
public final class ForwardProxy implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(ForwardProxy.class);
    /** A REST client's end-to-end headers: its credentials, cookies, hop-by-hop and forwarding headers stay here. */
    private static final List<String> REQUEST_HEADERS = List.of("Accept", "Accept-Language", "Cache-Control",
            "Content-Type", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Range",
            "User-Agent");
    /**
     * The node's end-to-end headers a client reads; not its cookies or auth challenges, which on the proxy's origin
     * would speak for the proxy.
     */
    private static final List<String> RESPONSE_HEADERS = List.of("Accept-Ranges", "Allow", "Cache-Control",
            "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Range", "Content-Type", "ETag",
            "Expires", "Last-Modified", "Location", "Retry-After", "Vary");
    /** Far above a node's REST answers (listings, provisions), and the HLS cache's bound for a node's file. */
    private static final int MAX_ANSWER = 32 * 1024 * 1024;
    private static final Pattern ACTION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ClusterModel cluster;
    private final NodeClient nodes;
    private final TokenCheck token;
    private final ProxyConfig config;

    /** @param token who may forward: the admin token, an admin JWT, or a login token of the admin or proxy principal */
    public ForwardProxy(ClusterModel cluster, NodeClient nodes, TokenCheck token, ProxyConfig config) {
        this.cluster = cluster;
        this.nodes = nodes;
        this.token = token;
        this.config = config;
    }

    /** Where a request goes, and what it sends there. */
    private record Forward(Node node, HttpRequest proxyToNode) {
    }

    @Override
    public int maxBodyBytes() {
        return config.relay().maxBodyBytes();
    }

    @Override
    public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
        long start = System.nanoTime();
        String requestId = RelayLog.requestId(in);
        Forward f;
        try {
            f = forward(in, within, requestId);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(fail(in, null, e, requestId, start));
        }
        return nodes.send(f.proxyToNode(), MAX_ANSWER, f.node().address()).handle((nodeToProxy, failure) ->
                failure == null ? toClient(in, f.node(), nodeToProxy, requestId, start)
                        : fail(in, f.node(), failure, requestId, start));
    }

    @Override
    public HttpOut refuse(HttpIn in, Throwable failure) {
        return fail(in, null, failure, RelayLog.requestId(in), System.nanoTime());
    }

    private Forward forward(HttpIn in, String within, String requestId) {
        ApiCall call = new ApiCall(in, List.of(), Query.parse(in.rawQuery()));
        token.require(call);
        if (within != null && !within.equals("/")) {
            throw call.notFound();
        }
        call.allow("GET, POST, PUT, DELETE");
        URI target = target(call.param("target"));
        Node node = node(target);
        String query = digest(call, node, target.getRawQuery());
        String path = target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        // The node as the proxy always reaches it, whichever of its addresses the target named.
        URI url = URI.create("http://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.httpPort() + path
                + (query == null ? "" : "?" + query));
        return new Forward(node, request(in, url, requestId));
    }

    /** The target as a URL: 400 when it is none, 403 when it cannot be a node's API. */
    private static URI target(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ApiException(400, "'target' is required: the URL-encoded URL of a node's HTTP API, e.g."
                    + " ?target=http%3A%2F%2F10.0.0.5%3A5080%2Flive%2Fplaylists");
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new ApiException(400, "'target' is not a URL: " + e.getReason());
        }
        if (uri.getScheme() == null || uri.isOpaque() || uri.getRawAuthority() == null) {
            throw new ApiException(400, "'target' must be an absolute URL: http://<node address>:<port>/<path>");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new ApiException(403, "'target' must be an http URL, not " + uri.getScheme() + ": a node serves its API"
                    + " on its HTTP port, and nothing else is forwarded to");
        }
        if (uri.getHost() == null) {
            throw new ApiException(400, "'target' names no host that can be read");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ApiException(403, "'target' may not carry user-info (user@ or user:password@)");
        }
        return uri;
    }

    /** The node at the target's address (public or private) and port (80 when it names none), if it serves. */
    private Node node(URI target) {
        String host = target.getHost();
        InetAddress address = literal(host);
        if (address == null) {
            throw new ApiException(403, "'target' names the host " + host + ": only a node's own IP address is"
                    + " forwarded to, and names are never resolved");
        }
        int port = target.getPort() < 0 ? 80 : target.getPort();
        List<Node> there = cluster.nodes().stream().filter(n -> address.equals(literal(n.publicAddress()))
                || address.equals(literal(n.privateAddress()))).toList();
        if (there.isEmpty()) {
            throw new ApiException(403, "no node of this cluster has the address " + host
                    + ": only the cluster's nodes are forwarded to");
        }
        Node node = there.stream().filter(n -> n.httpPort() == port).findFirst().orElseThrow(() -> new ApiException(403,
                "no node serves HTTP at " + host + ":" + port + "; the nodes at " + host + " serve it on port "
                        + there.stream().map(n -> String.valueOf(n.httpPort())).collect(Collectors.joining(", "))));
        // a draining node still answers for what it holds (its recordings, say); one on its way out or failed does not
        if (!node.servesExistingSessions()) {
            throw new ApiException(403, "node " + node.id() + " at " + host + ":" + port + " is " + node.state()
                    + ": only nodes in service are forwarded to");
        }
        return node;
    }

    /** An IP address as written, IPv6 with or without brackets; null for a name (never resolved) or nothing. */
    private static InetAddress literal(String host) {
        return host != null && host.startsWith("[") && host.endsWith("]")
                ? Networks.literal(host.substring(1, host.length() - 1)) : Networks.literal(host);
    }

    /** The target's query, signed for the node's group when the client asks for Red5's cluster digest. */
    private String digest(ApiCall call, Node node, String query) {
        String action = call.param("digestAction");
        String groupName = call.param("nodegroup");
        if (action == null && groupName == null) {
            return query;
        }
        if (action == null || groupName == null || groupName.isEmpty()) {
            throw new ApiException(400, "a cluster digest takes both 'digestAction' and 'nodegroup'");
        }
        if (!ACTION.matcher(action).matches()) {
            throw new ApiException(400, "'digestAction' must be 1-64 letters, digits, '.', '_' or '-', such as"
                    + " provision.create");
        }
        NodeGroupConfig group = cluster.group(groupName);
        if (group.clusterPassword() == null) {
            throw new ApiException(400, "node group '" + group.name() + "' has no clusterPassword in the cluster file:"
                    + " the proxy cannot sign for its nodes");
        }
        if (!group.name().equals(node.nodeGroup())) {
            throw new ApiException(400, "node " + node.id() + " is in node group '" + node.nodeGroup() + "', not '"
                    + group.name() + "': a group's cluster password signs for its own nodes only");
        }
        return ClusterDigest.sign(query, action, cluster.nowMillis(), group.clusterPassword());
    }

    private HttpRequest request(HttpIn in, URI url, String requestId) {
        byte[] body = in.body();
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(config.relay().requestTimeout())
                .method(in.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String name : REQUEST_HEADERS) {
            String value = in.header(name);
            if (value != null) {
                b.header(name, value);
            }
        }
        b.header("X-Forwarded-For", in.remoteAddress());
        b.header("X-Forwarded-Proto", in.secure() ? "https" : "http");
        b.header(RelayLog.HEADER, requestId); // one id in the proxy's and the node's logs
        return b.build();
    }

    /** The node's status and body as they are, a redirect included, with its end-to-end headers. */
    private static HttpOut toClient(HttpIn in, Node node, HttpResponse<byte[]> nodeToProxy, String requestId, long start) {
        HttpOut out = new HttpOut(nodeToProxy.statusCode());
        for (String name : RESPONSE_HEADERS) {
            for (String value : nodeToProxy.headers().allValues(name)) {
                out.header(name, value);
            }
        }
        log(in, node, out.status(), requestId, start, "forward {}: node {} answered {}", in.describe(), node.id(),
                out.status());
        return out.header(RelayLog.HEADER, requestId).body(nodeToProxy.body());
    }

    private static HttpOut fail(HttpIn in, Node node, Throwable failure, String requestId, long start) {
        ApiException e = Failures.toApi(failure);
        log(in, node, e.status(), requestId, start, "forward {}: {} ({})", in.describe(), e.getMessage(), e.status());
        return HttpOut.error(e, ErrorDialect.SM2, System.currentTimeMillis()).header(RelayLog.HEADER, requestId);
    }

    /** One line a request: the method and path, never the query, which carries the target and may carry secrets. */
    private static void log(HttpIn in, Node node, int status, String requestId, long start, String message,
                            Object... args) {
        RelayLog.log(log, status >= 500 ? RelayLog.Level.WARN : RelayLog.Level.INFO, requestId, in,
                node == null ? null : node.id(), status, (System.nanoTime() - start) / 1_000_000, message, args);
    }
}
