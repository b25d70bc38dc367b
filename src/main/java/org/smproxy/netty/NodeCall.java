package org.smproxy.netty;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;

import org.smproxy.http.UpstreamException;

/**
 * One proxy-to-node exchange on a pooled connection: borrow or connect, write, wait for the whole answer under the
 * relay's timeout, give the connection back. A pooled connection the node closed while idle is replaced by a new
 * one once (the request never got an answer there). Runs on the pool's loop only.
 */
final class NodeCall {
    static final AttributeKey<NodeCall> CURRENT = AttributeKey.valueOf("smproxy.nodeCall");
    static final AttributeKey<Boolean> WATCHED = AttributeKey.valueOf("smproxy.pooled");

    private final NodePool pool;
    private final String host;
    private final int port;
    private final String key;
    private final String nodeName;
    private final FullHttpRequest proxyToNode;
    private final long timeoutMillis;
    private final NodePool.Callback callback;
    private Channel channel;
    private boolean reused;
    private boolean retried;
    private boolean done;
    private ScheduledFuture<?> timeout;

    NodeCall(NodePool pool, String host, int port, String nodeName, FullHttpRequest proxyToNode, long timeoutMillis,
             NodePool.Callback callback) {
        this.pool = pool;
        this.host = host;
        this.port = port;
        this.key = host + ":" + port;
        this.nodeName = nodeName;
        this.proxyToNode = proxyToNode;
        this.timeoutMillis = timeoutMillis;
        this.callback = callback;
    }

    void start() {
        Channel ch = retried ? null : pool.borrow(key);
        if (ch != null) {
            reused = true;
            write(ch);
            return;
        }
        reused = false;
        pool.connect(host, port).addListener(f -> {
            if (f.isSuccess()) {
                write(((io.netty.channel.ChannelFuture) f).channel());
            } else {
                finish(NodePool.connectFailure(nodeName, f.cause()));
            }
        });
    }

    private void write(Channel ch) {
        channel = ch;
        ch.attr(CURRENT).set(this);
        if (timeout == null) {
            // One timeout owner: from the first byte sent to the last byte of the answer, a retry included.
            timeout = ch.eventLoop().schedule(this::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ch.writeAndFlush(proxyToNode.retainedDuplicate()).addListener(f -> {
            if (!f.isSuccess()) {
                lost(ch, f.cause());
            }
        });
    }

    private void timedOut() {
        if (done) {
            return;
        }
        Channel ch = channel;
        finish(new UpstreamException(UpstreamException.Kind.TIMEOUT, false,
                "node " + nodeName + " did not answer within " + timeoutMillis + " ms", null));
        if (ch != null) {
            ch.close(); // a late answer must not reach the next request on this connection
        }
    }

    private void answered(Channel ch, FullHttpResponse nodeToProxy) {
        ch.attr(CURRENT).set(null);
        if (nodeToProxy.decoderResult().isFailure()) {
            // Not HTTP (or not HTTP this relay can read): the codec's placeholder status must never reach a client.
            Throwable cause = nodeToProxy.decoderResult().cause();
            nodeToProxy.release();
            ch.close();
            finish(new UpstreamException(UpstreamException.Kind.BAD_RESPONSE, false, "node " + nodeName
                    + " answered with something that is not a readable HTTP response (" + cause.getMessage() + ")", cause));
            return;
        }
        if (done) {
            nodeToProxy.release();
            ch.close();
            return;
        }
        done = true;
        timeout.cancel(false);
        proxyToNode.release();
        if (HttpUtil.isKeepAlive(nodeToProxy)) {
            pool.giveBack(key, ch);
        } else {
            ch.close();
        }
        callback.answered(nodeToProxy);
    }

    /** The connection failed before the answer was in. */
    private void lost(Channel ch, Throwable cause) {
        if (ch.attr(CURRENT).get() == this) {
            ch.attr(CURRENT).set(null);
        }
        ch.close();
        if (done || ch != channel) {
            return; // already answered, timed out, or a connection this call has left for a new one
        }
        if (reused && !retried) {
            retried = true; // the node closed an idle pooled connection as we reused it: once more, on a new one
            start();
            return;
        }
        if (cause instanceof TooLongFrameException) {
            finish(new UpstreamException(UpstreamException.Kind.BAD_RESPONSE, false,
                    "node " + nodeName + " answered with more than the relay takes", cause));
            return;
        }
        finish(new UpstreamException(UpstreamException.Kind.UNREACHABLE, false, "node " + nodeName
                + " could not be reached: " + (cause == null ? "connection closed" : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")")), cause));
    }

    private void finish(UpstreamException failure) {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        proxyToNode.release();
        callback.failed(failure);
    }

    /** The last handler of every node connection: hands answers and failures to the call in flight. */
    static final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            NodeCall call = ctx.channel().attr(CURRENT).get();
            if (call == null || !(msg instanceof FullHttpResponse)) {
                io.netty.util.ReferenceCountUtil.release(msg);
                ctx.close(); // an answer nobody asked for: the connection is out of step
                return;
            }
            call.answered(ctx.channel(), (FullHttpResponse) msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            NodeCall call = ctx.channel().attr(CURRENT).get();
            if (call != null) {
                call.lost(ctx.channel(), null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            NodeCall call = ctx.channel().attr(CURRENT).get();
            if (call != null) {
                call.lost(ctx.channel(), cause);
            } else {
                ctx.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && ctx.channel().attr(CURRENT).get() == null) {
                ctx.close(); // idle in the pool for too long
            }
        }
    }
}
