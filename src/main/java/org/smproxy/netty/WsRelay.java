package org.smproxy.netty;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.RelayLog;
import org.smproxy.ws.CloseCodes;
import org.smproxy.ws.SessionRegistry;
import org.smproxy.ws.WsSession;
import org.smproxy.ws.WsTarget;

/**
 * One proxied signalling session on the Netty listener: the browser's WebSocket and a WebSocket to the node, two
 * channels on the same event loop. Frames pass as they are, buffers and all, never turned into strings; the node's
 * reach the browser without a copy (a client must mask what it sends, so the node leg's encoder copies once).
 * Backpressure by writability: while one side cannot take more, the other is not read, so the kernel's buffers and
 * TCP hold the excess, not the heap. All state is the loop's; calls from elsewhere (admin, reaper) are handed to it.
 */
final class WsRelay implements WsSession {
    private static final Logger log = LoggerFactory.getLogger(WsRelay.class);
    /** How long a node may take to finish a close handshake before its connection is dropped. */
    private static final int CLOSE_GRACE_SECONDS = 5;
    private static final byte[] PING = {'s', 'm'};

    /** What every session of one listener shares. */
    record Shared(SessionRegistry registry, ProxyConfig.WebSocket limits, int connectTimeoutMillis,
                  Class<? extends SocketChannel> nodeType) {
    }

    private final String id;
    private final WsTarget target;
    private final Shared shared;
    private final Channel client;
    private final EventLoop loop;
    private final long createdMillis = System.currentTimeMillis();
    private WebSocketServerHandshaker clientHandshaker;
    private Channel node;
    /** Client frames read before the node leg was up: a few at most, as the client is not read meanwhile. */
    private final ArrayDeque<WebSocketFrame> early = new ArrayDeque<>();
    private volatile boolean clientOpen = true;
    private volatile boolean nodeOpen;
    private volatile long unhealthySince;
    private volatile int closeCode;
    private boolean finished;
    /** This proxy started the close toward the node: the node's close frame is its answer, not news. */
    private boolean nodeCloseSent;
    /** Our close frame went to the client: a second kick must not send another. */
    private boolean clientCloseSent;
    private int clientMessageBytes;
    /** The client's message budget, or null when off. */
    private org.smproxy.http.RateLimiter.Bucket clientMessages;
    private int nodeMessageBytes;

    private WsRelay(String id, WsTarget target, Shared shared, Channel client) {
        this.id = id;
        this.target = target;
        this.shared = shared;
        this.client = client;
        this.loop = client.eventLoop();
    }

    /**
     * Answers the upgrade, then dials the node; the client is not read until the node leg is up. Called on the
     * client's loop by the request handler, which this session's handlers replace.
     */
    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, WsTarget target, Shared shared) {
        WsRelay relay = new WsRelay(shared.registry.nextId(), target, shared, ctx.channel());
        String url = "wss://" + req.headers().get("Host", "localhost") + req.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, "json", false,
                shared.limits.maxFrameBytes()).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        relay.clientHandshaker = handshaker;
        Channel ch = ctx.channel();
        ch.config().setAutoRead(false);
        ch.config().setWriteBufferWaterMark(waterMark(shared.limits));
        ctx.pipeline().replace(ctx.name(), "ws-client", relay.new ClientSide());
        for (String http : new String[] {RequestTimer.BYTES, RequestTimer.MESSAGES}) { // frames are not requests
            if (ctx.pipeline().get(http) != null) {
                ctx.pipeline().remove(http);
            }
        }
        if (ctx.pipeline().get(NettyRelayServer.HTTP_IDLE) != null) {
            ctx.pipeline().remove(NettyRelayServer.HTTP_IDLE); // the session's own idle rule follows
        }
        ctx.pipeline().addBefore("ws-client", "ws-idle", new IdleStateHandler(0, 0,
                shared.limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        handshaker.handshake(ch, req).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("WebSocket upgrade from {} failed: {}", target.clientAddress(), String.valueOf(f.cause()));
                ch.close();
                return;
            }
            shared.registry.add(relay);
            log.info("WebSocket session {} for {} from {} to node {} ({})", relay.id, target.label(),
                    target.clientAddress(), target.nodeId(), target.nodeAddress());
            relay.dial();
        });
    }

    /** Past the high mark a channel stops taking writes and the other side is paused; the queue is the limit. */
    private static WriteBufferWaterMark waterMark(ProxyConfig.WebSocket limits) {
        int high = Math.max(2048, limits.queueBytes());
        return new WriteBufferWaterMark(high / 2, high);
    }

    private void dial() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("X-Forwarded-For", target.clientAddress())
                .add("X-Forwarded-For-Meta-Port", String.valueOf(target.clientPort()))
                .add("X-Forwarded-For-Meta-Secure", String.valueOf(target.secure()))
                .add("X-Forwarded-For-Meta-Type", "WEB");
        if (target.requestId() != null) {
            headers.add(RelayLog.HEADER, target.requestId());
        }
        if (target.userAgent() != null) {
            headers.add("User-Agent", target.userAgent());
        }
        // Red5's own Stream Manager always asks nodes for "json", whatever the browser offered; and sends no Origin.
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(target.upstream(),
                WebSocketVersion.V13, "json", false, headers, shared.limits.maxFrameBytes(), true, false,
                CLOSE_GRACE_SECONDS * 1000L, false, false);
        new Bootstrap().group(loop).channel(shared.nodeType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, shared.connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(shared.limits))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new NodeSide(handshaker));
                    }
                })
                .connect(target.upstream().getHost(), target.upstreamPort())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        unreachable(f.cause());
                    }
                });
    }

    private void unreachable(Throwable cause) {
        shared.registry.nodeUnreachable(target);
        log.warn("WebSocket session {} ({}, request {}): node {} unreachable: {}", id, target.label(), target.requestId(),
                target.nodeAddress(), cause == null ? "closed during the handshake" : cause.getMessage());
        markUnhealthy();
        closeClient(1014, "bad gateway: node " + target.nodeAddress() + " unreachable"); // 1014: Bad Gateway
        finishIfBothClosed();
    }

    /** The node took the upgrade: relay what the client sent meanwhile, then read the client. */
    private void nodeReady(Channel ch) {
        if (!clientOpen) {
            ch.writeAndFlush(new CloseWebSocketFrame(1001, "client went away")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        node = ch;
        nodeOpen = true;
        shared.registry.changed(this);
        log.debug("WebSocket session {} ({}) connected to node {}", id, target.label(), target.nodeAddress());
        WebSocketFrame f;
        while ((f = early.poll()) != null) {
            node.write(f);
        }
        node.flush();
        client.config().setAutoRead(node.isWritable());
    }

    // ---- the two legs ---------------------------------------------------------------------------------------------

    /** The browser's side. */
    private final class ClientSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof WebSocketFrame frame)) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (!clientOpen) {
                // We sent our close: what the client still had in flight is read and dropped, its close ends it.
                boolean answered = frame instanceof CloseWebSocketFrame;
                frame.release();
                if (answered) {
                    client.close();
                }
                return;
            }
            if (frame instanceof PingWebSocketFrame) {
                client.writeAndFlush(new PongWebSocketFrame(frame.content()));
                return;
            }
            if (frame instanceof PongWebSocketFrame) {
                frame.release();
                return;
            }
            if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode();
                String reason = close.reasonText();
                clientOpen = false;
                markUnhealthy();
                clientHandshaker.close(client, close); // echoes the close, then closes the connection
                closeNode(code < 0 ? 1005 : code, reason);
                finishIfBothClosed();
                return;
            }
            clientMessageBytes = sizeSoFar(clientMessageBytes, frame);
            if (clientMessageBytes > shared.limits.maxFrameBytes()) {
                frame.release();
                kick(1009, "the client sent a frame larger than " + shared.limits.maxFrameBytes() + " bytes");
                return;
            }
            if (frame.isFinalFragment() && overRate()) {
                frame.release();
                kick(1008, "the client sent messages faster than " + shared.limits.maxMessageRate()
                        + " (proxy.ws.maxMessageRate)");
                return;
            }
            if (!nodeOpen) {
                early.add(frame);
                return;
            }
            node.write(frame, node.voidPromise());
        }

        private boolean overRate() {
            if (shared.limits.maxMessageRate() == null) {
                return false;
            }
            long now = System.nanoTime();
            if (clientMessages == null) {
                clientMessages = new org.smproxy.http.RateLimiter.Bucket(shared.limits.maxMessageRate(), now);
            }
            return clientMessages.take(now) > 0;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (nodeOpen) {
                node.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (node != null) {
                node.config().setAutoRead(client.isWritable()); // the slow side sets the pace
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                kick(1001, "idle for " + shared.limits.idleTimeout().toSeconds() + " s");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseEarly();
            if (clientOpen) {
                clientOpen = false;
                markUnhealthy();
                closeNode(1001, "client went away");
            }
            finishIfBothClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The frame decoder has already answered a protocol violation (a frame past the limit: 1009) and closes.
            log.debug("WebSocket session {}: client leg failed: {}", id, cause.toString());
            ctx.close();
        }
    }

    /** The node's side: the upgrade, then frames. */
    private final class NodeSide extends ChannelInboundHandlerAdapter {
        private final WebSocketClientHandshaker handshaker;
        private boolean gotClose;

        NodeSide(WebSocketClientHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel()).addListener(f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                FullHttpResponse resp = (FullHttpResponse) msg;
                try {
                    handshaker.finishHandshake(ctx.channel(), resp);
                } catch (RuntimeException refused) {
                    ctx.close();
                    unreachable(new IllegalStateException("the node refused the upgrade: " + resp.status()));
                    return;
                } finally {
                    resp.release();
                }
                nodeReady(ctx.channel());
                return;
            }
            WebSocketFrame frame = (WebSocketFrame) msg;
            if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content()));
                return;
            }
            if (frame instanceof PongWebSocketFrame) {
                frame.release();
                return;
            }
            if (frame instanceof CloseWebSocketFrame close && nodeCloseSent) {
                gotClose = true;
                close.release();
                ctx.close(); // the handshake this proxy started is complete
                return;
            }
            if (frame instanceof CloseWebSocketFrame close) {
                gotClose = true;
                int code = close.statusCode();
                String reason = close.reasonText();
                nodeOpen = false;
                markUnhealthy();
                log.debug("WebSocket session {} ({}): node closed {} {}", id, target.label(), code, reason);
                nodeCloseSent = true;
                handshaker.close(ctx.channel(), close).addListener(ChannelFutureListener.CLOSE);
                closeClient(code < 0 ? 1005 : code, reason);
                finishIfBothClosed();
                return;
            }
            nodeMessageBytes = sizeSoFar(nodeMessageBytes, frame);
            if (nodeMessageBytes > shared.limits.maxFrameBytes()) {
                frame.release();
                kick(1009, "the node sent a frame larger than " + shared.limits.maxFrameBytes() + " bytes");
                return;
            }
            client.write(frame, client.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (clientOpen && nodeOpen) {
                client.config().setAutoRead(ctx.channel().isWritable());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!handshaker.isHandshakeComplete()) {
                if (clientOpen) {
                    unreachable(null);
                }
                return;
            }
            if (nodeOpen || !gotClose) {
                boolean wasOpen = nodeOpen;
                nodeOpen = false;
                markUnhealthy();
                if (wasOpen) {
                    closeClient(1011, "lost the node"); // no close frame: the node died or its connection broke
                }
            }
            finishIfBothClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.info("WebSocket session {} ({}): node leg failed: {}", id, target.label(), cause.toString());
            ctx.close();
        }
    }

    /** Bytes of the message a frame belongs to, counting its earlier fragments; reset after the last one. */
    private static int sizeSoFar(int before, WebSocketFrame frame) {
        return (frame instanceof ContinuationWebSocketFrame ? before : 0) + frame.content().readableBytes();
    }

    // ---- closing --------------------------------------------------------------------------------------------------

    private void closeClient(int code, String reason) {
        noteClose(code);
        if (clientOpen || client.isActive()) {
            clientOpen = false;
            if (client.isActive() && !clientCloseSent) {
                clientCloseSent = true;
                // The close handshake, not a hang-up: closing now, with the client's frames still arriving, would
                // make the kernel reset the connection, and the client would see a reset instead of the reason.
                client.writeAndFlush(new CloseWebSocketFrame(CloseCodes.sendable(code, true), CloseCodes.trim(reason)))
                        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                client.config().setAutoRead(true); // its answer must be read even if the node leg had paused it
                loop.schedule(() -> client.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private void closeNode(int code, String reason) {
        noteClose(code);
        Channel ch = node;
        nodeOpen = false;
        if (ch != null && ch.isActive() && !nodeCloseSent) {
            nodeCloseSent = true;
            // A clean close handshake; if the node never answers it, the connection is dropped all the same.
            ch.writeAndFlush(new CloseWebSocketFrame(CloseCodes.sendable(code, false), CloseCodes.trim(reason)));
            loop.schedule(() -> ch.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void noteClose(int code) {
        if (closeCode == 0) {
            closeCode = code;
        }
    }

    @Override
    public int closeCode() {
        return closeCode;
    }

    private void finishIfBothClosed() {
        if (!finished && !clientOpen && !nodeOpen) {
            finished = true;
            releaseEarly();
            shared.registry.remove(this);
            log.debug("WebSocket session {} ({}) closed", id, target.label());
        }
    }

    private void releaseEarly() {
        WebSocketFrame f;
        while ((f = early.poll()) != null) {
            f.release();
        }
    }

    private void markUnhealthy() {
        if (unhealthySince == 0) {
            unhealthySince = System.currentTimeMillis();
        }
    }

    // ---- WsSession: from any thread -------------------------------------------------------------------------------

    @Override
    public void kick(int code, String reason) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> kick(code, reason));
            return;
        }
        markUnhealthy();
        closeClient(code, reason);
        closeNode(code, reason);
        finishIfBothClosed();
    }

    @Override
    public void ping() {
        loop.execute(() -> {
            if (clientOpen && client.isActive()) {
                client.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(PING)));
            }
            Channel ch = node;
            if (nodeOpen && ch != null) {
                ch.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(PING)));
            }
        });
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public WsTarget target() {
        return target;
    }

    @Override
    public long createdMillis() {
        return createdMillis;
    }

    @Override
    public boolean clientConnected() {
        return clientOpen && client.isActive();
    }

    @Override
    public boolean proxyConnected() {
        return nodeOpen;
    }

    @Override
    public boolean healthy() {
        return unhealthySince == 0;
    }

    @Override
    public long unhealthySinceMillis() {
        return unhealthySince;
    }
}
