package org.smproxy.netty;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Bounds how long a client may take to send a request, so a slow sender (slowloris) holds a connection and its
 * buffers for seconds, not for as long as it likes: the headers must be complete within the header timeout of the
 * request's first byte, the body within the body timeout of the headers. Past either, the client gets a 408 with a
 * JSON reason and the connection is closed. Two handlers share the state: one below the HTTP codec sees the first
 * byte, one above it sees the headers and the body's end.
 */
final class RequestTimer {
    static final String BYTES = "request-timer-bytes";
    static final String MESSAGES = "request-timer";

    private final long headerMillis;
    private final long bodyMillis;
    private ScheduledFuture<?> pending;
    private boolean inRequest;
    private ChannelHandlerContext bytesCtx;

    RequestTimer(long headerMillis, long bodyMillis) {
        this.headerMillis = headerMillis;
        this.bodyMillis = bodyMillis;
    }

    /** Below the codec: a request's first byte starts the header clock. */
    final class Bytes extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            bytesCtx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!inRequest && msg instanceof ByteBuf b && b.isReadable()) {
                inRequest = true;
                arm(headerMillis, "the request headers did not arrive within " + headerMillis
                        + " ms (proxy.client.headerTimeout)");
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }
    }

    /** Above the codec: the headers switch to the body clock, the body's end stops it. */
    final class Messages extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                arm(bodyMillis, "the request body did not arrive within " + bodyMillis + " ms (proxy.client.bodyTimeout)");
            }
            if (msg instanceof LastHttpContent) {
                cancel();
                inRequest = false;
            }
            ctx.fireChannelRead(msg);
        }
    }

    private void arm(long millis, String reason) {
        cancel();
        pending = bytesCtx.executor().schedule(() -> expire(reason), millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /**
     * Answered below the codec, as raw bytes: the request is half-read, so the codec has nothing to answer; the
     * connection closes after it, so nothing can follow it out of order.
     */
    private void expire(String reason) {
        pending = null;
        if (!bytesCtx.channel().isActive()) {
            return;
        }
        byte[] body = ("{\"error\":\"" + reason + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        bytesCtx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }
}
