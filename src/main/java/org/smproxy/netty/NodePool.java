package org.smproxy.netty;

import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.timeout.IdleStateHandler;

import org.smproxy.http.UpstreamException;

/**
 * HTTP/1.1 keep-alive connections to nodes, owned by one event loop: the client connections of that loop borrow
 * from it, so a request's node leg runs on the thread its client leg runs on. Touched only by that loop's thread.
 * Bounded: at most {@code maxIdlePerNode} idle connections per node are kept; idle ones close after
 * {@code idleSeconds}.
 */
final class NodePool {
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxIdlePerNode;
    private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

    /** What a call reports back, on the pool's loop. */
    interface Callback {
        /** The node's answer; the callee owns (and releases) it. */
        void answered(io.netty.handler.codec.http.FullHttpResponse nodeToProxy);

        void failed(UpstreamException failure);
    }

    NodePool(EventLoop loop, Class<? extends SocketChannel> channelType, int connectTimeoutMillis, int maxResponseBytes,
             int maxIdlePerNode, int idleSeconds) {
        this.loop = loop;
        this.maxIdlePerNode = maxIdlePerNode;
        this.bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(maxResponseBytes),
                                new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS), new NodeCall.Handler());
                    }
                });
    }

    EventLoop loop() {
        return loop;
    }

    /**
     * Sends {@code proxyToNode} (the pool takes ownership) to {@code host:port}; an idle pooled connection first,
     * else a new one. {@code nodeName} is for messages.
     */
    void send(String host, int port, String nodeName, FullHttpRequest proxyToNode, long timeoutMillis, Callback callback) {
        new NodeCall(this, host, port, nodeName, proxyToNode, timeoutMillis, callback).start();
    }

    /** An open idle connection to the node, or null. */
    Channel borrow(String key) {
        ArrayDeque<Channel> q = idle.get(key);
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollFirst();
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    ChannelFuture connect(String host, int port) {
        return bootstrap.connect(host, port);
    }

    /** Back to the pool after a complete keep-alive exchange; most recently used first, so few stay warm. */
    void giveBack(String key, Channel ch) {
        ArrayDeque<Channel> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerNode || !ch.isActive()) {
            ch.close();
            return;
        }
        if (q.isEmpty() || !q.contains(ch)) {
            q.addFirst(ch);
        }
        if (!Boolean.TRUE.equals(ch.attr(NodeCall.WATCHED).get())) {
            ch.attr(NodeCall.WATCHED).set(Boolean.TRUE);
            ch.closeFuture().addListener(f -> q.remove(ch));
        }
    }

    static UpstreamException connectFailure(String nodeName, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new UpstreamException(UpstreamException.Kind.UNREACHABLE, true,
                    "node " + nodeName + " did not accept a connection in time", cause);
        }
        if (cause instanceof ConnectException) {
            return new UpstreamException(UpstreamException.Kind.UNREACHABLE, true,
                    "node " + nodeName + " refused the connection", cause);
        }
        return new UpstreamException(UpstreamException.Kind.UNREACHABLE, false,
                "node " + nodeName + " could not be reached: " + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }
}
