package org.smproxy.netty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.ApiException;
import org.smproxy.http.Cors;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.whip.RelayPath;
import org.smproxy.whip.WhipWhepRelay;

/**
 * One client connection on the Netty listener: each whole request goes to {@link WhipWhepRelay} with this loop's
 * node leg, and its answer is written back in order. Requests a client pipelines wait here; past a few, reading
 * pauses until they are answered. Runs on the connection's loop only.
 */
final class RelayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    /** Pipelined requests held before reading pauses: bounded memory per connection without a toggle per request. */
    private static final int MAX_WAITING = 8;

    /** What every connection of one listener shares; {@code legs} gives each event loop its own node leg. */
    record Shared(WhipWhepRelay relay, Cors cors, Map<EventLoop, NettyNodeLeg> legs) {
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
            if (waiting.size() >= MAX_WAITING) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        busy = true;
        relay(ctx, clientToProxy);
    }

    private void relay(ChannelHandlerContext ctx, FullHttpRequest clientToProxy) {
        HttpIn in = new NettyIn(clientToProxy, (InetSocketAddress) ctx.channel().remoteAddress());
        Cors.Verdict cors = shared.cors.check(in.method(), in::header, System.currentTimeMillis());
        if (cors.answer() != null) {
            respond(ctx, clientToProxy, cors, cors.answer());
            return;
        }
        if (clientToProxy.decoderResult().isFailure()) {
            respond(ctx, clientToProxy, cors, shared.relay.refuse(in, undecodable(clientToProxy.decoderResult().cause())));
            return;
        }
        shared.relay.relay(in, path(in.path()), shared.legs.get(ctx.channel().eventLoop()))
                .thenAccept(answer -> respond(ctx, clientToProxy, cors, answer));
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

    /** Both URL families on one port: {@code /as/v1/proxy/...} is SM 2.0, anything else Red5's WHProxy shape. */
    private static Supplier<RelayPath> path(String raw) {
        return () -> {
            String path = decodePath(raw);
            return path.startsWith(RelayPath.SM2_BASE) ? RelayPath.sm2(path.substring(RelayPath.SM2_BASE.length()))
                    : RelayPath.sm1(path.substring(1));
        };
    }

    /** As a servlet container: %XX decoded, but an encoded slash or backslash, which would move segments, refused. */
    private static String decodePath(String raw) {
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
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        return r;
    }

    /** Writes the answer, then takes the next waiting request or resumes reading; closes if the client asked. */
    private void respond(ChannelHandlerContext ctx, FullHttpRequest clientToProxy, Cors.Verdict cors, HttpOut answer) {
        FullHttpResponse p2c = toNetty(answer);
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
            relay(ctx, next);
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
