package org.smproxy.servlet;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.websocket.CloseReason;
import javax.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.RelayLog;
import org.smproxy.ws.CloseCodes;
import org.smproxy.ws.SessionRegistry;
import org.smproxy.ws.WsSession;
import org.smproxy.ws.WsTarget;

/**
 * One proxied signalling session: the browser's WebSocket (JSR-356, the client leg) paired with a WebSocket to the
 * node (JDK client, the node leg). Frames go both ways in order. Backpressure: node-to-client frames are requested
 * from the node one at a time, only after the client took the previous one; client-to-node frames wait in a queue
 * bounded in bytes, and a client that outruns its node past that bound is closed (1013) rather than buffered.
 */
public final class WsProxySession implements WsSession {
    private static final Logger log = LoggerFactory.getLogger(WsProxySession.class);

    private final String id;
    private final Session client;
    private final WsTarget target;
    private final SessionRegistry registry;
    private final ProxyConfig.WebSocket limits;
    private final org.smproxy.http.RateLimiter.Bucket messages;
    private final long createdMillis = System.currentTimeMillis();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Client-to-node frames not yet taken by the node leg. Guarded by this. */
    private final ArrayDeque<Object> toNode = new ArrayDeque<>();
    private int toNodeBytes;
    private boolean sendingToNode;
    private volatile WebSocket node;
    private volatile boolean clientOpen = true;
    private volatile int closeCode;
    private volatile boolean nodeOpen;
    private volatile long unhealthySince;

    WsProxySession(String id, Session client, WsTarget target, SessionRegistry registry, ProxyConfig.WebSocket limits) {
        this.id = id;
        this.client = client;
        this.target = target;
        this.registry = registry;
        this.limits = limits;
        this.messages = limits.maxMessageRate() == null ? null
                : new org.smproxy.http.RateLimiter.Bucket(limits.maxMessageRate(), System.nanoTime());
    }

    /** Registers the session and dials the node; frames from the client meanwhile are queued, not lost. */
    void open(HttpClient http, java.time.Duration connectTimeout) {
        registry.add(this);
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(connectTimeout)
                .header("X-Forwarded-For", target.clientAddress())
                .header("X-Forwarded-For-Meta-Port", String.valueOf(target.clientPort()))
                .header("X-Forwarded-For-Meta-Secure", String.valueOf(target.secure()))
                .header("X-Forwarded-For-Meta-Type", "WEB");
        if (target.requestId() != null) {
            b.header(RelayLog.HEADER, target.requestId());
        }
        if (target.userAgent() != null) {
            b.header("User-Agent", target.userAgent());
        }
        // Red5's own Stream Manager always asks nodes for "json", whatever the browser offered.
        b.subprotocols("json");
        b.buildAsync(target.upstream(), new NodeListener()).whenComplete((ws, failure) -> {
            if (failure != null) {
                registry.nodeUnreachable(target);
                log.warn("WebSocket session {} ({}, request {}): node {} unreachable: {}", id, target.label(),
                        target.requestId(), target.nodeAddress(),
                        failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage());
                kick(1014, "bad gateway: node " + target.nodeAddress() + " unreachable"); // 1014: Bad Gateway
                return;
            }
            synchronized (this) {
                if (!clientOpen) {
                    // The client left while we were dialling: nobody to relay for; leave the node cleanly.
                    ws.sendClose(1001, "client went away").whenComplete((w, e) -> ws.abort());
                    return;
                }
                node = ws;
                nodeOpen = true;
            }
            registry.changed(this);
            log.debug("WebSocket session {} ({}) connected to node {}", id, target.label(), target.nodeAddress());
            pumpToNode();
        });
    }

    // ---- client to node -----------------------------------------------------------------------------------------

    /** Pieces of a text message larger than the container's buffer; the container calls one piece at a time. */
    private StringBuilder textPieces;
    /** Pieces of a binary message larger than the container's buffer. */
    private ByteBuffer binaryPieces;

    void fromClient(String text, boolean last) {
        if (textPieces == null && last) {
            enqueue(text, text.length() * 2); // the usual case: the whole message in one piece
            return;
        }
        int have = textPieces == null ? 0 : textPieces.length();
        if (have + text.length() > limits.maxFrameBytes()) {
            textPieces = null;
            kick(1009, "the client sent a frame larger than " + limits.maxFrameBytes() + " bytes");
            return;
        }
        if (textPieces == null) {
            textPieces = new StringBuilder(text.length() * 2);
        }
        textPieces.append(text);
        if (last) {
            String whole = textPieces.toString();
            textPieces = null;
            enqueue(whole, whole.length() * 2);
        }
    }

    void fromClient(ByteBuffer binary, boolean last) {
        if (binaryPieces == null && last) {
            ByteBuffer copy = ByteBuffer.allocate(binary.remaining()).put(binary).flip();
            enqueue(copy, copy.remaining());
            return;
        }
        int have = binaryPieces == null ? 0 : binaryPieces.position();
        if (have + binary.remaining() > limits.maxFrameBytes()) {
            binaryPieces = null;
            kick(1009, "the client sent a frame larger than " + limits.maxFrameBytes() + " bytes");
            return;
        }
        if (binaryPieces == null || binaryPieces.remaining() < binary.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.min(limits.maxFrameBytes(), Math.max(2 * (have + binary.remaining()), 4096)));
            if (binaryPieces != null) {
                bigger.put(binaryPieces.flip());
            }
            binaryPieces = bigger;
        }
        binaryPieces.put(binary);
        if (last) {
            ByteBuffer whole = binaryPieces.flip();
            binaryPieces = null;
            enqueue(whole, whole.remaining());
        }
    }

    /** Every whole message from the client, once: a flood of small ones is closed before it costs the node. */
    private void enqueue(Object frame, int bytes) {
        if (messages != null && messages.take(System.nanoTime()) > 0) {
            kick(1008, "the client sent messages faster than " + limits.maxMessageRate() + " (proxy.ws.maxMessageRate)");
            return;
        }
        boolean overflow;
        synchronized (this) {
            overflow = toNodeBytes + bytes > limits.queueBytes();
            if (!overflow) {
                toNode.add(frame);
                toNodeBytes += bytes;
            }
        }
        if (overflow) {
            kick(1013, "try again later: the node is not keeping up with this client");
            return;
        }
        pumpToNode();
    }

    /** Sends the next queued frame if the node leg is open and idle; the JDK client allows one send at a time. */
    private void pumpToNode() {
        Object frame;
        synchronized (this) {
            if (sendingToNode || !nodeOpen || toNode.isEmpty()) {
                return;
            }
            frame = toNode.poll();
            sendingToNode = true;
        }
        int bytes = frame instanceof String ? ((String) frame).length() * 2 : ((ByteBuffer) frame).remaining();
        CompletableFuture<WebSocket> sent = frame instanceof String ? node.sendText((String) frame, true)
                : node.sendBinary((ByteBuffer) frame, true);
        sent.whenComplete((ws, failure) -> {
            synchronized (this) {
                sendingToNode = false;
                toNodeBytes -= bytes;
            }
            if (failure != null) {
                kick(1011, "lost the node: " + failure.getMessage());
            } else {
                pumpToNode();
            }
        });
    }

    // ---- node to client -----------------------------------------------------------------------------------------

    /** Callbacks of the node leg; the JDK client calls them one at a time and delivers only what was requested. */
    private final class NodeListener implements WebSocket.Listener {
        /** Only while a text message arrives in pieces: most arrive whole, and a builder per session costs its life. */
        private StringBuilder text;
        private ByteBuffer binary;

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            int have = text == null ? 0 : text.length();
            if (have + data.length() > limits.maxFrameBytes()) {
                kick(1009, "the node sent a frame larger than " + limits.maxFrameBytes() + " bytes");
                return null;
            }
            if (!last) {
                if (text == null) {
                    text = new StringBuilder(data.length() * 2);
                }
                text.append(data);
                ws.request(1);
                return null;
            }
            String message = text == null ? data.toString() : text.append(data).toString();
            text = null;
            client.getAsyncRemote().sendText(message, result -> afterClientSend(ws, result.isOK(), result.getException()));
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            int have = binary == null ? 0 : binary.position();
            if (have + data.remaining() > limits.maxFrameBytes()) {
                kick(1009, "the node sent a frame larger than " + limits.maxFrameBytes() + " bytes");
                return null;
            }
            if (binary == null) {
                binary = ByteBuffer.allocate(Math.min(limits.maxFrameBytes(), Math.max(1024, data.remaining())));
            }
            if (binary.remaining() < data.remaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.min(limits.maxFrameBytes(), (have + data.remaining()) * 2));
                binary.flip();
                bigger.put(binary);
                binary = bigger;
            }
            binary.put(data);
            if (!last) {
                ws.request(1);
                return null;
            }
            ByteBuffer message = binary.flip();
            binary = null;
            client.getAsyncRemote().sendBinary(message, result -> afterClientSend(ws, result.isOK(), result.getException()));
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            nodeOpen = false;
            markUnhealthy();
            log.debug("WebSocket session {} ({}): node closed {} {}", id, target.label(), statusCode, reason);
            if (statusCode == 1006) {
                closeClient(1011, "lost the node"); // no close frame: the node died or its connection broke
            } else {
                closeClient(statusCode, reason);
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            nodeOpen = false;
            markUnhealthy();
            log.info("WebSocket session {} ({}): node leg failed: {}", id, target.label(), error.toString());
            closeClient(1011, "lost the node");
        }
    }

    private void afterClientSend(WebSocket ws, boolean ok, Throwable failure) {
        if (ok) {
            ws.request(1); // only now take the next frame from the node: the slow side sets the pace
        } else {
            kick(1011, "the client stopped taking frames" + (failure == null ? "" : ": " + failure.getMessage()));
        }
    }

    // ---- closing ------------------------------------------------------------------------------------------------

    /** The client left (or its socket broke): tell the node and finish. */
    void clientClosed(CloseReason reason) {
        synchronized (this) {
            clientOpen = false;
        }
        markUnhealthy();
        closeNode(reason.getCloseCode().getCode(), reason.getReasonPhrase());
    }

    @Override
    public void kick(int code, String reason) {
        closeClient(code, reason);
        closeNode(code, reason);
    }

    private void closeClient(int code, String reason) {
        noteClose(code);
        if (client.isOpen()) {
            try {
                client.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(CloseCodes.sendable(code, true)), CloseCodes.trim(reason)));
            } catch (IOException | IllegalStateException e) {
                log.debug("closing client leg of {}: {}", id, e.toString());
            }
        }
        clientOpen = false;
        finishIfBothClosed();
    }

    private void closeNode(int code, String reason) {
        noteClose(code);
        WebSocket ws;
        synchronized (this) {
            ws = node;
            nodeOpen = false;
        }
        if (ws != null && !ws.isOutputClosed()) {
            // A clean close handshake; if the node never answers it, the connection is dropped all the same.
            ws.sendClose(CloseCodes.sendable(code, false), CloseCodes.trim(reason)).whenComplete((w, e) -> {
                if (e != null) {
                    ws.abort();
                }
            });
            registry.schedule(() -> {
                if (!ws.isInputClosed()) {
                    ws.abort();
                }
            }, 5000);
        } else if (ws != null) {
            ws.abort();
        }
        finishIfBothClosed();
    }

    private synchronized void noteClose(int code) {
        if (closeCode == 0) {
            closeCode = code;
        }
    }

    @Override
    public int closeCode() {
        return closeCode;
    }

    private void finishIfBothClosed() {
        if (!clientOpen && !nodeOpen && closed.compareAndSet(false, true)) {
            registry.remove(this);
            log.debug("WebSocket session {} ({}) closed", id, target.label());
        }
    }

    private void markUnhealthy() {
        if (unhealthySince == 0) {
            unhealthySince = System.currentTimeMillis();
        }
    }

    @Override
    public void ping() {
        ByteBuffer payload = ByteBuffer.wrap(new byte[] {'s', 'm'});
        if (client.isOpen()) {
            try {
                client.getAsyncRemote().sendPing(payload.duplicate());
            } catch (IOException | IllegalStateException e) {
                log.debug("ping to client of {} failed: {}", id, e.toString());
            }
        }
        WebSocket ws = node;
        if (nodeOpen && ws != null) {
            ws.sendPing(payload.duplicate());
        }
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
        return clientOpen && client.isOpen();
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
