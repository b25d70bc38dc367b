package org.smproxy.netty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.ApiException;
import org.smproxy.http.Cors;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Failures;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.RouteTable;
import org.smproxy.ws.WsRouter;
import org.smproxy.ws.WsTarget;

/**
 * One client connection on the Netty listener: each whole request goes to the endpoint the {@link RouteTable} names
 * for its path, with this loop's node leg, and its answer is written back in order. Requests a client pipelines wait here; past a few, reading
 * pauses until they are answered. Runs on the connection's loop only.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    /** Pipelined requests held before reading pauses: bounded memory per connection without a toggle per request. */
    private static final int MAX_WAITING = 8;

    /** What every connection of one listener shares; {@code legs} gives each event loop its own node leg. */
    record Shared(RouteTable routes, Cors cors, Map<EventLoop, NettyNodeLeg> legs, WsRouter wsRouter,
                  WsRelay.Shared ws, boolean secure) {
    }

    private final Shared shared;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;

    RequestHandler(Shared shared) {
        super(false);
        this.shared = shared;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest clientToProxy) {
        if (busy) {
            waiting.add(clientToProxy);
            if (waiting.size() >= MAX_WAITING) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        busy = true;
        serve(ctx, clientToProxy);
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest clientToProxy) {
        HttpIn in = new NettyIn(clientToProxy, (InetSocketAddress) ctx.channel().remoteAddress(), shared.secure);
        Cors.Verdict cors = shared.cors.check(in.method(), in::header, System.currentTimeMillis());
        if (cors.answer() != null) {
            respond(ctx, clientToProxy, cors, cors.answer());
            return;
        }
        if (clientToProxy.decoderResult().isFailure()) { // no path to route by: the line or headers are unreadable
            respond(ctx, clientToProxy, cors, HttpOut.error(undecodable(clientToProxy.decoderResult().cause()),
                    ErrorDialect.SM2, System.currentTimeMillis()));
            return;
        }
        String path;
        RouteTable.Match match;
        try {
            path = decodePath(in.path());
            match = shared.routes.match(path);
        } catch (ApiException e) {
            respond(ctx, clientToProxy, cors, HttpOut.error(e, ErrorDialect.SM2, System.currentTimeMillis()));
            return;
        }
        WsRouter.Shape ws = WsRouter.isUpgrade(in) ? WsRouter.shapeOf(path) : null;
        if (ws != null) {
            upgrade(ctx, clientToProxy, in, ws, cors);
            return;
        }
        if (match == null) {
            respond(ctx, clientToProxy, cors, HttpOut.error(new ApiException(404, "no such resource: " + in.describe()),
                    ErrorDialect.SM2, System.currentTimeMillis()));
            return;
        }
        Endpoint endpoint = match.endpoint();
        if (clientToProxy.content().readableBytes() > endpoint.maxBodyBytes()) { // a chunked body past its route's limit
            respond(ctx, clientToProxy, cors, endpoint.refuse(in, tooLarge(endpoint.maxBodyBytes())));
            return;
        }
        EventLoop loop = ctx.channel().eventLoop();
        endpoint.serve(in, path, match.within(), shared.legs.get(loop)).thenAccept(answer -> {
            // This handler's state is the loop's: an endpoint that answers from elsewhere (HLS, through the shared
            // cache's client) hands the answer back to it.
            if (loop.inEventLoop()) {
                respond(ctx, clientToProxy, cors, answer);
            } else {
                loop.execute(() -> respond(ctx, clientToProxy, cors, answer));
            }
        });
    }

    /** A WebSocket signalling session: decided or refused with a status before the upgrade, as on the servlet path. */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest clientToProxy, HttpIn in, WsRouter.Shape ws,
                         Cors.Verdict cors) {
        WsTarget target;
        try {
            target = shared.wsRouter.decide(in, ws.sm1(), ws.pathInContext());
        } catch (RuntimeException e) {
            respond(ctx, clientToProxy, cors, HttpOut.error(Failures.toApi(e), ws.sm1() ? ErrorDialect.SM1 : ErrorDialect.SM2,
                    System.currentTimeMillis()));
            return;
        }
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) { // nothing can follow an upgrade on this connection
            r.release();
        }
        try {
            WsRelay.upgrade(ctx, clientToProxy, target, shared.ws);
        } finally {
            clientToProxy.release();
        }
    }

    static ApiException tooLarge(int maxBody) {
        return new ApiException(413, "request body is larger than " + maxBody + " bytes");
    }

    /** What the servlet container answers to a request line or headers past its limits, with the reason. */
    private static ApiException undecodable(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new ApiException(414, "the request line is longer than " + NettyRelayServer.MAX_LINE + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new ApiException(431, "the request headers are larger than " + NettyRelayServer.MAX_HEADERS + " bytes");
        }
        return new ApiException(400, "malformed HTTP request");
    }

    /** As a servlet container: %XX decoded, but an encoded slash or backslash, which would move segments, refused. */
    static String decodePath(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c")) {
            throw new ApiException(400, "encoded '/' or '\\' in the path is not allowed");
        }
        try {
            return new URI("http://x" + raw).getPath();
        } catch (java.net.URISyntaxException e) {
            throw new ApiException(400, "malformed path");
        }
    }

    static FullHttpResponse toNetty(HttpOut answer) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        answer.forEachHeader(r.headers()::add);
        if (answer.status() != 204 && answer.status() != 304) { // no body, and no length that would claim one
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        }
        return r;
    }

    /** Writes the answer, then takes the next waiting request or resumes reading; closes if the client asked. */
    private void respond(ChannelHandlerContext ctx, FullHttpRequest clientToProxy, Cors.Verdict cors, HttpOut answer) {
        FullHttpResponse p2c = toNetty(answer);
        if (clientToProxy.method() == HttpMethod.HEAD) {
            p2c.content().clear(); // the length stays: a HEAD answer says how long the GET's body would be
        }
        for (Map.Entry<String, String> h : cors.headers()) {
            p2c.headers().add(h.getKey(), h.getValue());
        }
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
            serve(ctx, next);
            return;
        }
        busy = false;
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    /** An idle keep-alive connection is closed; one waiting on a node is not (the node call has its own timeouts). */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !busy) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
