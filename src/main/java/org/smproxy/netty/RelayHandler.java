package org.smproxy.netty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.Node;
import org.smproxy.http.ApiException;
import org.smproxy.http.Failures;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.UpstreamException;

/**
 * One client connection's relay: a whole request in, checked and routed, sent to the node through this loop's
 * {@link NodePool}, the node's answer out with the servlet relay's header rules. One request at a time per
 * connection (reading pauses meanwhile; pipelined requests wait in order). Runs on the connection's loop only.
 */
final class RelayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Node response headers a WHIP/WHEP client needs; anything else (hop-by-hop, cookies, banners) stays behind. */
    private static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "ETag", "Accept-Patch", "Link",
            "Retry-After", "Allow");
    private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "If-Match", "If-None-Match", "Accept",
            "User-Agent", "Authorization");

    /** What every connection of one listener shares. */
    record Shared(RelayRoutes routes, RouteTokens tokens, NodePools pools, long timeoutMillis, int maxResponseBytes,
                  boolean usePrivateAddress, MeterRegistry metrics) {
    }

    /** One pool per event loop, looked up by the connection's loop. */
    interface NodePools {
        NodePool of(io.netty.channel.EventLoop loop);
    }

    private final Shared shared;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;

    RelayHandler(Shared shared) {
        super(false);
        this.shared = shared;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest clientToProxy) {
        if (busy) {
            waiting.add(clientToProxy);
            return;
        }
        busy = true;
        ctx.channel().config().setAutoRead(false);
        relay(ctx, clientToProxy);
    }

    private void relay(ChannelHandlerContext ctx, FullHttpRequest clientToProxy) {
        RelayRequest req = null;
        RelayRoutes.Target target;
        try {
            if (clientToProxy.decoderResult().isFailure()) {
                throw new ApiException(400, "malformed HTTP request");
            }
            req = RelayRequest.parse(clientToProxy);
            req.checkBody();
            target = shared.routes.route(req);
        } catch (RuntimeException e) {
            fail(ctx, req, clientToProxy, null, e);
            return;
        }
        send(ctx, req, target, 1);
    }

    /** To the routed node; once, and only if the node provably never saw the request, to another. */
    private void send(ChannelHandlerContext ctx, RelayRequest req, RelayRoutes.Target target, int attempt) {
        FullHttpRequest proxyToNode;
        try {
            proxyToNode = toNode(ctx, req, target);
        } catch (RuntimeException e) {
            fail(ctx, req, req.clientToProxy, target, e);
            return;
        }
        Node node = target.node();
        String host = stripBrackets(node.upstreamHost(shared.usePrivateAddress));
        NodePool pool = shared.pools.of(ctx.channel().eventLoop());
        pool.send(host, node.httpPort(), node.address(), proxyToNode, shared.timeoutMillis, new NodePool.Callback() {
            @Override
            public void answered(FullHttpResponse nodeToProxy) {
                toClient(ctx, req, target, nodeToProxy);
            }

            @Override
            public void failed(UpstreamException failure) {
                if (failure.unsent() && attempt == 1 && target.replaceable()) {
                    RelayRoutes.Target other;
                    try {
                        other = shared.routes.reroute(req, node);
                    } catch (RuntimeException noOther) {
                        fail(ctx, req, req.clientToProxy, target, failure); // say what really happened
                        return;
                    }
                    log.warn("{}: {}; trying node {} instead", req.describe(), failure.getMessage(), other.node().id());
                    send(ctx, req, other, 2);
                    return;
                }
                fail(ctx, req, req.clientToProxy, target, failure);
            }
        });
    }

    /** The proxy-to-node request: the client's method, body, relevant headers and parameters, plus forwarding headers. */
    private FullHttpRequest toNode(ChannelHandlerContext ctx, RelayRequest req, RelayRoutes.Target target) {
        String nodePath = target.nodePath();
        int q = nodePath.indexOf('?');
        String query = req.nodeQuery(q < 0 ? null : nodePath.substring(q + 1));
        String path = (q < 0 ? nodePath : nodePath.substring(0, q)) + (query.isEmpty() ? "" : "?" + query);
        try {
            URI.create("http://node" + path);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "the query string has characters that are not allowed in a URL");
        }
        FullHttpRequest c2p = req.clientToProxy;
        FullHttpRequest p2n = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(req.method), path,
                c2p.content().retainedDuplicate());
        HttpHeaders in = c2p.headers();
        HttpHeaders out = p2n.headers();
        Node node = target.node();
        out.set(HttpHeaderNames.HOST, node.upstreamHost(shared.usePrivateAddress) + ":" + node.httpPort());
        boolean hasBody = c2p.content().isReadable();
        for (String name : REQUEST_HEADERS) {
            String value = in.get(name);
            if (value != null && (hasBody || !"Content-Type".equals(name))) {
                out.set(name, value);
            }
        }
        if (hasBody || "POST".equals(req.method) || "PATCH".equals(req.method)) {
            out.setInt(HttpHeaderNames.CONTENT_LENGTH, c2p.content().readableBytes());
        }
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        String remoteAddr = remote.getAddress().getHostAddress();
        String forwardedFor = in.get("X-Forwarded-For");
        out.set("X-Forwarded-For", forwardedFor == null ? remoteAddr : forwardedFor + ", " + remoteAddr);
        out.set("X-Forwarded-Proto", "https");
        String host = in.get(HttpHeaderNames.HOST);
        if (host != null) {
            out.set("X-Forwarded-Host", host);
        }
        // What Red5's own Stream Manager tells nodes about the client behind it.
        out.set("X-Forwarded-For-Meta-Port", String.valueOf(remote.getPort()));
        out.set("X-Forwarded-For-Meta-Secure", "true");
        out.set("X-Forwarded-For-Meta-Type", "WEB");
        return p2n;
    }

    /** The node's status and body, unchanged; its Location replaced by one that routes back here. */
    private void toClient(ChannelHandlerContext ctx, RelayRequest req, RelayRoutes.Target target, FullHttpResponse n2p) {
        int status = n2p.status().code();
        FullHttpResponse p2c = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, n2p.status(), n2p.content());
        HttpHeaders out = p2c.headers();
        for (String name : RESPONSE_HEADERS) {
            List<String> values = n2p.headers().getAll(name);
            if (!values.isEmpty()) {
                out.add(name, values);
            }
        }
        Node node = target.node();
        out.set("Session-Host", node.address());
        out.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        boolean created = "POST".equals(req.method) && status / 100 == 2;
        if (created) {
            String token = shared.tokens.issue(new RouteTokens.Route(node.id(), req.kind.word,
                    nodeResource(req, target, n2p.headers().get(HttpHeaderNames.LOCATION))));
            out.set(HttpHeaderNames.LOCATION, RelayRequest.PREFIX + req.kind.word + "/resource/" + token);
        }
        out.setInt(HttpHeaderNames.CONTENT_LENGTH, p2c.content().readableBytes());
        record(req, status);
        if (created || ("DELETE".equals(req.method) && status / 100 == 2)) {
            log.info("{} session {} {} on node {} ({}) in {} ms", req.kind, created ? "started:" : "ended:",
                    created ? req.stream : target.nodePath(), node.id(), node.address(), elapsedMillis(req));
        } else if (status >= 400) {
            log.info("{}: node {} answered {}", req.describe(), node.id(), status);
        }
        respond(ctx, req.clientToProxy, p2c);
    }

    /** The node's resource URL (path and query) for a new session, from its Location or, lacking one, Red5's rule. */
    private String nodeResource(RelayRequest req, RelayRoutes.Target target, String location) {
        if (location == null || location.isBlank()) {
            return RelayRoutes.resourcePath(req);
        }
        Node node = target.node();
        URI resolved = URI.create("http://" + node.upstreamHost(shared.usePrivateAddress) + ":" + node.httpPort()
                + target.nodePath()).resolve(location.trim());
        String raw = resolved.getRawPath() + (resolved.getRawQuery() == null ? "" : "?" + resolved.getRawQuery());
        return raw.startsWith("/") ? raw : "/" + raw;
    }

    private void fail(ChannelHandlerContext ctx, RelayRequest req, FullHttpRequest clientToProxy,
                      RelayRoutes.Target target, Throwable failure) {
        ApiException e = Failures.toApi(failure);
        String what = req == null ? clientToProxy.method() + " " + clientToProxy.uri().split("\\?", 2)[0] : req.describe();
        if (e.status() >= 500) {
            log.warn("{}: {} ({}){}", what, e.getMessage(), e.status(), target == null ? "" : " node " + target.node().id());
        } else {
            log.debug("{}: {} ({})", what, e.getMessage(), e.status());
        }
        if (req != null) {
            record(req, e.status());
        }
        respond(ctx, clientToProxy, errorResponse(e));
    }

    /** The servlet relay's error: the status, {@code {"error": message}}, Retry-After when there is one. */
    static FullHttpResponse errorResponse(ApiException e) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", e.getMessage()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(e.status()),
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json;charset=UTF-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (e.retryAfterSeconds() != null) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, e.retryAfterSeconds());
        }
        return r;
    }

    /** Writes the answer, then takes the next waiting request or resumes reading; closes if the client asked. */
    private void respond(ChannelHandlerContext ctx, FullHttpRequest clientToProxy, FullHttpResponse p2c) {
        boolean keepAlive = HttpUtil.isKeepAlive(clientToProxy);
        clientToProxy.release();
        if (!keepAlive) {
            p2c.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(p2c).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(p2c);
        FullHttpRequest next = waiting.poll();
        if (next != null) {
            relay(ctx, next);
            return;
        }
        busy = false;
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void record(RelayRequest req, int status) {
        Timer.builder("smproxy.relay.requests").tag("kind", req.kind.word).tag("method", req.method)
                .tag("status", String.valueOf(status)).register(shared.metrics)
                .record(System.nanoTime() - req.startNanos, TimeUnit.NANOSECONDS);
    }

    private static long elapsedMillis(RelayRequest req) {
        return (System.nanoTime() - req.startNanos) / 1_000_000;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
