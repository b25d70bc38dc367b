package org.smproxy.whip;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.Node;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Failures;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeLeg;
import org.smproxy.http.RelayLog;
import org.smproxy.http.RelayMetrics;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.UpstreamException;

/**
 * The WHIP/WHEP relay, written once for every server: OPTIONS, POST, PATCH and DELETE from a browser to the node
 * that owns (or will own) the session, and the node's answer back with its status and body unchanged. Knows no
 * container: an adapter hands in the client's request and a node leg, and writes the answer it gets back.
 *
 * <p>Step by step: {@link SdpRules#check} → route ({@link NodeRouter}) → {@link #toNode} → {@link #send} (one retry
 * on another node if the first provably never got the request) → {@link #toClient} (headers, {@code Location}
 * turned into a self-routing resource URL, {@code Session-Host}) or {@link #refuse}.
 */
public final class WhipWhepRelay {
    private static final Logger log = LoggerFactory.getLogger(WhipWhepRelay.class);
    /** Node response headers a WHIP/WHEP client needs; anything else (hop-by-hop, cookies, server banners) stays behind. */
    private static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "ETag", "Accept-Patch", "Link",
            "Retry-After", "Allow");
    private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "If-Match", "If-None-Match", "Accept",
            "User-Agent", "Authorization");

    private final NodeRouter router;
    private final RouteTokens tokens;
    private final ProxyConfig config;
    private final RelayMetrics metrics;

    public WhipWhepRelay(NodeRouter router, RouteTokens tokens, ProxyConfig config, RelayMetrics metrics) {
        this.router = router;
        this.tokens = tokens;
        this.config = config;
        this.metrics = metrics;
    }

    /** The largest request body an adapter takes in before answering 413. */
    public int maxBodyBytes() {
        return config.relay().maxBodyBytes();
    }

    /**
     * This relay as a routed endpoint for one URL shape: SM 2.0's {@code /as/v1/proxy/<kind>/...} (the part below
     * the mapping names the stream) or Red5's WHProxy {@code /<app>/<kind>/endpoint|resource/<stream>} (the whole
     * path does).
     */
    public Endpoint endpoint(RelayPath.Shape shape) {
        return new Endpoint() {
            @Override
            public int maxBodyBytes() {
                return WhipWhepRelay.this.maxBodyBytes();
            }

            @Override
            public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
                return relay(in, () -> shape == RelayPath.Shape.SM2 ? RelayPath.sm2(stripSlash(within))
                        : RelayPath.sm1(stripSlash(path)), leg);
            }

            @Override
            public HttpOut refuse(HttpIn in, Throwable failure) {
                return WhipWhepRelay.this.refuse(in, failure);
            }
        };
    }

    private static String stripSlash(String path) {
        return path == null ? "" : path.startsWith("/") ? path.substring(1) : path;
    }

    /**
     * Relays one request. {@code path} parses the adapter's URL into a {@link RelayPath} (it may refuse with an
     * {@link ApiException}). Never fails: every failure is an error answer.
     */
    public CompletableFuture<HttpOut> relay(HttpIn clientToProxy, Supplier<RelayPath> path, NodeLeg leg) {
        long start = System.nanoTime();
        String requestId = RelayLog.requestId(clientToProxy);
        Exchange ex = null;
        try {
            checkMethod(clientToProxy.method());
            ex = new Exchange(clientToProxy, path.get(), start, requestId);
            SdpRules.check(ex);
            ex.route = router.route(ex);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(refuse(clientToProxy, ex, e, requestId, start));
        }
        Exchange routed = ex;
        return send(routed, leg).handle((nodeToProxy, failure) -> {
            try {
                return failure == null ? toClient(routed, nodeToProxy)
                        : refuse(clientToProxy, routed, failure, requestId, start);
            } catch (RuntimeException e) {
                return refuse(clientToProxy, routed, e, requestId, start);
            }
        });
    }

    /** The answer to a request that failed, before or after it reached a node: the one status map, a JSON reason. */
    public HttpOut refuse(HttpIn clientToProxy, Throwable failure) {
        return refuse(clientToProxy, null, failure, RelayLog.requestId(clientToProxy), System.nanoTime());
    }

    private HttpOut refuse(HttpIn clientToProxy, Exchange ex, Throwable failure, String requestId, long start) {
        ApiException e = Failures.toApi(failure);
        String node = ex == null || ex.route == null ? null : ex.route.node().id();
        RelayLog.log(log, e.status() >= 500 ? RelayLog.Level.WARN : RelayLog.Level.DEBUG, requestId, clientToProxy, node,
                e.status(), (System.nanoTime() - start) / 1_000_000, "{}: {} ({}){}", clientToProxy.describe(),
                e.getMessage(), e.status(), node == null ? "" : " node " + node);
        if (ex != null && ex.route != null && isUpstream(failure)) {
            metrics.nodeError(ex.path.kind().word(), ex.route.node().id());
        }
        if (ex != null) {
            metrics.record(ex.path.kind().word(), ex.method, e.status(), ex.startNanos);
        }
        return HttpOut.error(e, ErrorDialect.SM2, System.currentTimeMillis()).header(RelayLog.HEADER, requestId);
    }

    private static boolean isUpstream(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UpstreamException) {
                return true;
            }
        }
        return false;
    }

    private static void checkMethod(String method) {
        switch (method) {
            case "OPTIONS": case "POST": case "PATCH": case "DELETE": return;
            default: throw new ApiException(405, "method " + method + " is not allowed (allowed: OPTIONS, POST, PATCH, DELETE)");
        }
    }

    /** Sends to the routed node; once, and only if the node provably never saw the request, to another. */
    private CompletableFuture<NodeLeg.Answer> send(Exchange ex, NodeLeg leg) {
        ex.attempt++;
        NodeLeg.Request proxyToNode;
        try {
            proxyToNode = toNode(ex);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return leg.send(proxyToNode)
                .handle((answer, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(answer);
                    }
                    UpstreamException u = failure instanceof UpstreamException ? (UpstreamException) failure
                            : failure.getCause() instanceof UpstreamException ? (UpstreamException) failure.getCause() : null;
                    if (u == null || !u.unsent() || ex.attempt > 1 || !ex.route.replaceable()) {
                        return CompletableFuture.<NodeLeg.Answer>failedFuture(failure);
                    }
                    metrics.nodeError(ex.path.kind().word(), ex.route.node().id());
                    try {
                        ex.route = router.reroute(ex);
                    } catch (RuntimeException noOther) {
                        return CompletableFuture.<NodeLeg.Answer>failedFuture(u); // say what really happened
                    }
                    metrics.failover(ex.path.kind().word());
                    RelayLog.log(log, RelayLog.Level.WARN, ex.requestId, ex.clientToProxy, ex.route.node().id(), 0,
                            ex.elapsedMillis(), "{}: {}; trying node {} instead", ex.describe(), u.getMessage(),
                            ex.route.node().id());
                    return send(ex, leg);
                })
                .thenCompose(f -> f);
    }

    /** The proxy-to-node request: the client's method, body, relevant headers and parameters, plus forwarding headers. */
    private NodeLeg.Request toNode(Exchange ex) {
        Node node = ex.route.node();
        String nodePath = ex.route.nodePath();
        int q = nodePath.indexOf('?');
        String query = ex.nodeQuery(q < 0 ? null : nodePath.substring(q + 1));
        String target = (q < 0 ? nodePath : nodePath.substring(0, q)) + (query.isEmpty() ? "" : "?" + query);
        try {
            URI.create("http://node" + target);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "the query string has characters that are not allowed in a URL");
        }
        HttpIn c2p = ex.clientToProxy;
        List<Map.Entry<String, String>> headers = new ArrayList<>(12);
        for (String name : REQUEST_HEADERS) {
            String value = c2p.header(name);
            if (value != null && (ex.body.length > 0 || !"Content-Type".equals(name))) {
                headers.add(Map.entry(name, value));
            }
        }
        String forwardedFor = c2p.header("X-Forwarded-For");
        headers.add(Map.entry("X-Forwarded-For", forwardedFor == null ? c2p.remoteAddress()
                : forwardedFor + ", " + c2p.remoteAddress()));
        headers.add(Map.entry("X-Forwarded-Proto", c2p.secure() ? "https" : "http"));
        headers.add(Map.entry(RelayLog.HEADER, ex.requestId)); // one id in the proxy's and the node's logs
        String host = c2p.header("Host");
        if (host != null) {
            headers.add(Map.entry("X-Forwarded-Host", host));
        }
        // What Red5's own Stream Manager tells nodes about the client behind it.
        headers.add(Map.entry("X-Forwarded-For-Meta-Port", String.valueOf(c2p.remotePort())));
        headers.add(Map.entry("X-Forwarded-For-Meta-Secure", String.valueOf(c2p.secure())));
        headers.add(Map.entry("X-Forwarded-For-Meta-Type", "WEB"));
        return new NodeLeg.Request(node.upstreamHost(config.usePrivateAddress()), node.httpPort(), node.address(),
                ex.method, target, headers, ex.body, config.relay().requestTimeout().toMillis(),
                config.relay().maxBodyBytes() * 4);
    }

    /** The node's status and body, unchanged; its Location replaced by one that routes back here. */
    private HttpOut toClient(Exchange ex, NodeLeg.Answer nodeToProxy) {
        Node node = ex.route.node();
        int status = nodeToProxy.status();
        HttpOut p2c = new HttpOut(status);
        for (String name : RESPONSE_HEADERS) {
            for (String value : nodeToProxy.headers().apply(name)) {
                p2c.header(name, value);
            }
        }
        p2c.header("Session-Host", node.address()).header("Cache-Control", "no-store").header(RelayLog.HEADER, ex.requestId);
        boolean created = "POST".equals(ex.method) && status / 100 == 2;
        if (created) {
            String nodeResource = nodeResource(ex, nodeToProxy.firstHeader("Location"));
            String token = tokens.issue(new RouteTokens.Route(node.id(), ex.path.kind().word(), nodeResource));
            p2c.header("Location", ex.path.resourcePath(token));
        }
        p2c.body(nodeToProxy.body());
        metrics.record(ex.path.kind().word(), ex.method, status, ex.startNanos);
        if (created || ("DELETE".equals(ex.method) && status / 100 == 2)) {
            RelayLog.log(log, RelayLog.Level.INFO, ex.requestId, ex.clientToProxy, node.id(), status, ex.elapsedMillis(),
                    "{} session {} {} on node {} ({}) in {} ms", ex.path.kind(), created ? "started:" : "ended:",
                    created ? ex.path.stream() : ex.route.nodePath(), node.id(), node.address(), ex.elapsedMillis());
        } else if (status >= 400) {
            RelayLog.log(log, RelayLog.Level.INFO, ex.requestId, ex.clientToProxy, node.id(), status, ex.elapsedMillis(),
                    "{}: node {} answered {}", ex.describe(), node.id(), status);
        }
        return p2c;
    }

    /** The node's resource URL (path and query) for a new session, from its Location or, lacking one, Red5's rule. */
    private String nodeResource(Exchange ex, String location) {
        if (location == null || location.isBlank()) {
            return NodeRouter.resourcePath(ex.path.kind(), ex.path.stream());
        }
        Node node = ex.route.node();
        URI resolved = URI.create("http://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.httpPort()
                + ex.route.nodePath()).resolve(location.trim());
        String raw = resolved.getRawPath() + (resolved.getRawQuery() == null ? "" : "?" + resolved.getRawQuery());
        return raw.startsWith("/") ? raw : "/" + raw;
    }
}
