package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.websocket.ClientEndpointConfig;
import javax.websocket.CloseReason;
import javax.websocket.DeploymentException;
import javax.websocket.Endpoint;
import javax.websocket.EndpointConfig;
import javax.websocket.MessageHandler;
import javax.websocket.Session;
import org.apache.tomcat.websocket.WsWebSocketContainer;

/**
 * A JSON signalling socket as Red5's SDK uses one (Tomcat's JSR-356 client; {@code wss} trusts any certificate).
 * Every frame is kept, each is first given to a handler on the socket's thread (so a description is applied
 * before the candidates that follow it), and callers wait for frames with a bound. Sends are queued in order.
 */
public final class SimWsSocket implements AutoCloseable {

    /** One client container for the JVM: it owns the shared I/O threads. */
    private static final WsWebSocketContainer CONTAINER = new WsWebSocketContainer();
    private static final String SSL_CONTEXT = "org.apache.tomcat.websocket.SSL_CONTEXT";

    private final FrameLog log = new FrameLog();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sim-ws-send");
        t.setDaemon(true);
        return t;
    });
    private final Consumer<JsonNode> handler;
    private volatile Session session;

    private SimWsSocket(Consumer<JsonNode> handler) {
        this.handler = handler;
    }

    /**
     * @param options subprotocols and headers of the upgrade request
     * @param handler sees each frame on the socket's thread before it is recorded
     * @throws SimWsException with code {@code handshake} if the upgrade is refused
     */
    public static SimWsSocket connect(URI url, SimWsOptions options, Consumer<JsonNode> handler) throws IOException {
        SimWsSocket socket = new SimWsSocket(handler);
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                .preferredSubprotocols(options.subprotocols())
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(Map<String, List<String>> headers) {
                        options.headers().forEach((name, value) -> headers.put(name, List.of(value)));
                    }
                }).build();
        if ("wss".equalsIgnoreCase(url.getScheme())) {
            config.getUserProperties().put(SSL_CONTEXT, TrustAll.sslContext());
        }
        try {
            socket.session = CONTAINER.connectToServer(socket.new Client(), config, url);
        } catch (DeploymentException e) {
            socket.sender.shutdownNow();
            throw new SimWsException("handshake", url + ": " + e.getMessage());
        }
        return socket;
    }

    /** Queues a frame; frames go out in call order. Dropped once the socket is closed. */
    public void send(JsonNode message) {
        String text = WsFrames.write(message);
        sender.execute(() -> {
            Session s = session;
            if (s != null && s.isOpen()) {
                try {
                    s.getBasicRemote().sendText(text);
                } catch (IOException e) {
                    // closed under us: onClose records why
                }
            }
        });
    }

    /** The first frame (received at any time) that matches; fails fast on an error frame or a closed socket. */
    public JsonNode await(Predicate<JsonNode> match, Duration timeout) throws IOException, TimeoutException {
        return log.await(match, timeout);
    }

    /** Waits for a status (or error) frame with this code. */
    public JsonNode awaitStatus(String code, Duration timeout) throws IOException, TimeoutException {
        return log.await(f -> code.equals(f.path("data").path("code").asText()), timeout);
    }

    /** Waits until the other side (or the network) closed the socket. */
    public CloseReason awaitClosed(Duration timeout) throws IOException, TimeoutException {
        return log.awaitClosed(timeout);
    }

    public List<JsonNode> frames() {
        return log.frames();
    }

    /** Codes of the status and error frames received so far, in order. */
    public List<String> statusCodes() {
        return log.frames().stream().map(f -> f.path("data").path("code").asText(""))
                .filter(code -> !code.isEmpty()).toList();
    }

    public String negotiatedSubprotocol() {
        return session.getNegotiatedSubprotocol();
    }

    public boolean isOpen() {
        return session.isOpen() && log.closeReason() == null;
    }

    public Optional<CloseReason> closeReason() {
        return Optional.ofNullable(log.closeReason());
    }

    /** Sends what is queued, then closes normally (1000); what was negotiated over it stays up. */
    @Override
    public void close() {
        if (sender.isShutdown()) {
            return;
        }
        sender.execute(() -> {
            try {
                session.close();
            } catch (IOException e) {
                // already gone
            }
        });
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void received(String text) {
        JsonNode frame;
        try {
            frame = WsFrames.parse(text);
        } catch (JsonProcessingException e) {
            frame = WsFrames.JSON.createObjectNode().put("unparsed", text);
        }
        try {
            handler.accept(frame);
        } finally {
            log.add(frame);
        }
    }

    private final class Client extends Endpoint {
        @Override
        public void onOpen(Session s, EndpointConfig config) {
            s.addMessageHandler(String.class, (MessageHandler.Whole<String>) SimWsSocket.this::received);
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            log.closed(reason);
        }
    }
}
