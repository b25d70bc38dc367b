package org.smproxy.whip;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.Node;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.AsyncIo;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Errors;
import org.smproxy.http.NodeClient;
import org.smproxy.http.UpstreamException;

/**
 * The WHIP/WHEP relay: OPTIONS, POST, PATCH and DELETE from a browser to the node that owns (or will own) the
 * session, and the node's answer back, with its status and body unchanged. Fully asynchronous: no thread waits on
 * a client or a node.
 *
 * <p>The relay, step by step: {@link #readBody} → {@link #checkBody} → route ({@link NodeRouter}) →
 * {@link #toNode} → {@link #send} (one retry on another node if the first provably never got the request) →
 * {@link #toClient} (headers, {@code Location} turned into a self-routing resource URL, {@code Session-Host}) or
 * {@link #fail}.
 */
public final class RelayServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(RelayServlet.class);
    /** Node response headers a WHIP/WHEP client needs; anything else (hop-by-hop, cookies, server banners) stays behind. */
    private static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "ETag", "Accept-Patch", "Link",
            "Retry-After", "Allow");
    private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "If-Match", "If-None-Match", "Accept",
            "User-Agent", "Authorization");
    static final String SDP = "application/sdp";
    static final String SDP_FRAG = "application/trickle-ice-sdpfrag";

    private final RelayPath.Shape shape;
    private final NodeRouter router;
    private final RouteTokens tokens;
    private final NodeClient nodes;
    private final ProxyConfig config;
    private final MeterRegistry metrics;

    public RelayServlet(RelayPath.Shape shape, NodeRouter router, RouteTokens tokens, NodeClient nodes,
                        ProxyConfig config, MeterRegistry metrics) {
        this.shape = shape;
        this.router = router;
        this.tokens = tokens;
        this.nodes = nodes;
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        Exchange ex;
        try {
            checkMethod(req.getMethod());
            ex = new Exchange(req, resp, parsePath(req));
        } catch (RuntimeException e) {
            writeErrorNow(req, resp, e);
            return;
        }
        // One timeout owner: the node request carries the deadline, the container's async timeout is off.
        ex.async = req.startAsync();
        ex.async.setTimeout(0);
        readBody(ex)
                .thenApply(this::checkBody)
                .thenApply(e -> {
                    e.route = router.route(e);
                    return e;
                })
                .thenCompose(this::send)
                // Inline, on the node client's selector thread: writing the answer only hands it to a non-blocking
                // writer, and a hop to a pool would cost a thread wake-up per request.
                .whenComplete((nodeToProxy, failure) -> {
                    try {
                        if (failure == null) {
                            toClient(ex, nodeToProxy);
                        } else {
                            fail(ex, failure);
                        }
                    } catch (RuntimeException e) {
                        log.error("{}: writing the answer failed", ex.describe(), e);
                        ex.async.complete();
                    }
                });
    }

    private static void checkMethod(String method) {
        switch (method) {
            case "OPTIONS": case "POST": case "PATCH": case "DELETE": return;
            default: throw new ApiException(405, "method " + method + " is not allowed (allowed: OPTIONS, POST, PATCH, DELETE)");
        }
    }

    private RelayPath parsePath(HttpServletRequest req) {
        String pathInfo = req.getPathInfo() == null ? "" : req.getPathInfo();
        if (shape == RelayPath.Shape.SM2) {
            return RelayPath.sm2(pathInfo.startsWith("/") ? pathInfo.substring(1) : pathInfo);
        }
        String full = req.getContextPath() + req.getServletPath() + pathInfo;
        return RelayPath.sm1(full.startsWith("/") ? full.substring(1) : full);
    }

    private CompletableFuture<Exchange> readBody(Exchange ex) {
        return AsyncIo.readBody(ex.clientToProxy, config.relay().maxBodyBytes()).thenApply(body -> {
            ex.body = body;
            return ex;
        });
    }

    /** Refuses what no node should see: wrong content types, empty or garbage SDP. */
    Exchange checkBody(Exchange ex) {
        String type = mediaType(ex.clientToProxy.getContentType());
        switch (ex.method) {
            case "POST":
                if (ex.body.length == 0 && ex.path.kind() == RelayKind.WHEP) {
                    return ex; // Red5's server-offer WHEP: an empty POST asks the node for its offer
                }
                requireType(type, SDP);
                requireSdp(ex.body, true);
                return ex;
            case "PATCH":
                if (!SDP.equals(type) && !SDP_FRAG.equals(type)) {
                    throw new ApiException(415, "PATCH needs Content-Type " + SDP + " (an answer) or " + SDP_FRAG
                            + " (trickle ICE), not '" + type + "'");
                }
                requireSdp(ex.body, SDP.equals(type));
                return ex;
            default:
                return ex;
        }
    }

    private static void requireType(String type, String expected) {
        if (!expected.equals(type)) {
            throw new ApiException(415, "Content-Type must be " + expected + ", not '" + (type == null ? "(none)" : type) + "'");
        }
    }

    private static void requireSdp(byte[] body, boolean fullDescription) {
        if (body.length == 0) {
            throw new ApiException(400, "the body is empty: expected " + (fullDescription ? "an SDP" : "an SDP fragment"));
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.indexOf('\0') >= 0 || text.indexOf('\uFFFD') >= 0) {
            throw new ApiException(400, "the body is not SDP text");
        }
        String trimmed = text.stripLeading();
        boolean looksRight = fullDescription ? trimmed.startsWith("v=0") && text.contains("\nm=")
                : trimmed.startsWith("a=") || trimmed.startsWith("m=");
        if (!looksRight) {
            throw new ApiException(400, fullDescription ? "the body is not an SDP session description (v=0 ... m=)"
                    : "the body is not an SDP fragment (a=ice-ufrag, a=candidate, ...)");
        }
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** Sends to the routed node; once, and only if the node provably never saw the request, to another. */
    private CompletableFuture<NodeClient.Answer> send(Exchange ex) {
        ex.attempt++;
        Node node = ex.route.node();
        return nodes.exchange(toNode(ex), config.relay().maxBodyBytes() * 4, node.address())
                .handle((response, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(response);
                    }
                    UpstreamException u = failure instanceof UpstreamException ? (UpstreamException) failure
                            : failure.getCause() instanceof UpstreamException ? (UpstreamException) failure.getCause() : null;
                    if (u == null || !u.unsent() || ex.attempt > 1 || !ex.route.replaceable()) {
                        return CompletableFuture.<NodeClient.Answer>failedFuture(failure);
                    }
                    try {
                        ex.route = router.reroute(ex);
                    } catch (RuntimeException noOther) {
                        return CompletableFuture.<NodeClient.Answer>failedFuture(u); // say what really happened
                    }
                    log.warn("{}: {}; trying node {} instead", ex.describe(), u.getMessage(), ex.route.node().id());
                    return send(ex);
                })
                .thenCompose(f -> f);
    }

    /** The proxy-to-node request: the client's method, body, relevant headers and parameters, plus forwarding headers. */
    private HttpRequest toNode(Exchange ex) {
        Node node = ex.route.node();
        String nodePath = ex.route.nodePath();
        int q = nodePath.indexOf('?');
        String query = ex.nodeQuery(q < 0 ? null : nodePath.substring(q + 1));
        String path = q < 0 ? nodePath : nodePath.substring(0, q);
        URI uri;
        try {
            uri = URI.create("http://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.httpPort() + path
                    + (query.isEmpty() ? "" : "?" + query));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "the query string has characters that are not allowed in a URL");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(config.relay().requestTimeout())
                .method(ex.method, ex.body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(ex.body));
        HttpServletRequest c2p = ex.clientToProxy;
        for (String name : REQUEST_HEADERS) {
            String value = c2p.getHeader(name);
            if (value != null && (ex.body.length > 0 || !"Content-Type".equals(name))) {
                b.header(name, value);
            }
        }
        String forwardedFor = c2p.getHeader("X-Forwarded-For");
        b.header("X-Forwarded-For", forwardedFor == null ? c2p.getRemoteAddr() : forwardedFor + ", " + c2p.getRemoteAddr());
        b.header("X-Forwarded-Proto", c2p.getScheme());
        String host = c2p.getHeader("Host");
        if (host != null) {
            b.header("X-Forwarded-Host", host);
        }
        // What Red5's own Stream Manager tells nodes about the client behind it.
        b.header("X-Forwarded-For-Meta-Port", String.valueOf(c2p.getRemotePort()));
        b.header("X-Forwarded-For-Meta-Secure", String.valueOf(c2p.isSecure()));
        b.header("X-Forwarded-For-Meta-Type", "WEB");
        return b.build();
    }

    /** The node's status and body, unchanged; its Location replaced by one that routes back here. */
    private void toClient(Exchange ex, NodeClient.Answer nodeToProxy) {
        HttpServletResponse p2c = ex.proxyToClient;
        Node node = ex.route.node();
        p2c.setStatus(nodeToProxy.status());
        for (String name : RESPONSE_HEADERS) {
            for (String value : nodeToProxy.headers().allValues(name)) {
                p2c.addHeader(name, value);
            }
        }
        p2c.setHeader("Session-Host", node.address());
        p2c.setHeader("Cache-Control", "no-store");
        boolean created = "POST".equals(ex.method) && nodeToProxy.status() / 100 == 2;
        if (created) {
            String nodeResource = nodeResource(ex, nodeToProxy);
            String token = tokens.issue(new RouteTokens.Route(node.id(), ex.path.kind().word(), nodeResource));
            p2c.setHeader("Location", ex.path.resourcePath(ex.clientToProxy.getContextPath(), token));
        }
        byte[] body = nodeToProxy.body();
        p2c.setContentLength(body.length);
        record(ex, nodeToProxy.status());
        if (created || ("DELETE".equals(ex.method) && nodeToProxy.status() / 100 == 2)) {
            log.info("{} session {} {} on node {} ({}) in {} ms", ex.path.kind(), created ? "started:" : "ended:",
                    created ? ex.path.stream() : ex.route.nodePath(), node.id(), node.address(), ex.elapsedMillis());
        } else if (nodeToProxy.status() >= 400) {
            log.info("{}: node {} answered {}", ex.describe(), node.id(), nodeToProxy.status());
        }
        AsyncIo.writeAndComplete(ex.async, body);
    }

    /** The node's resource URL (path and query) for a new session, from its Location or, lacking one, Red5's rule. */
    private static String nodeResource(Exchange ex, NodeClient.Answer nodeToProxy) {
        String location = nodeToProxy.headers().firstValue("Location").orElse(null);
        if (location == null || location.isBlank()) {
            return NodeRouter.resourcePath(ex.path.kind(), ex.path.stream());
        }
        URI resolved = nodeToProxy.uri().resolve(location.trim());
        String raw = resolved.getRawPath() + (resolved.getRawQuery() == null ? "" : "?" + resolved.getRawQuery());
        return raw.startsWith("/") ? raw : "/" + raw;
    }

    private void fail(Exchange ex, Throwable failure) {
        ApiException e = Errors.toApi(failure);
        if (e.status() >= 500) {
            log.warn("{}: {} ({}){}", ex.describe(), e.getMessage(), e.status(),
                    ex.route == null ? "" : " node " + ex.route.node().id());
        } else {
            log.debug("{}: {} ({})", ex.describe(), e.getMessage(), e.status());
        }
        record(ex, e.status());
        HttpServletResponse p2c = ex.proxyToClient;
        if (p2c.isCommitted()) {
            ex.async.complete();
            return;
        }
        AsyncIo.writeAndComplete(ex.async, Errors.prepare(p2c, e));
    }

    private static void writeErrorNow(HttpServletRequest req, HttpServletResponse resp, RuntimeException failure) {
        try {
            Errors.write(resp, ErrorDialect.SM2, failure, System.currentTimeMillis());
        } catch (java.io.IOException e) {
            log.debug("{} {}: client went away before its error", req.getMethod(), req.getRequestURI());
        }
    }

    private void record(Exchange ex, int status) {
        Timer.builder("smproxy.relay.requests").tag("kind", ex.path.kind().word()).tag("method", ex.method)
                .tag("status", String.valueOf(status)).register(metrics)
                .record(Duration.ofNanos(System.nanoTime() - ex.startNanos).toNanos(), TimeUnit.NANOSECONDS);
    }
}
