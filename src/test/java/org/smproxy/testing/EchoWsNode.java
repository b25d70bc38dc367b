package org.smproxy.testing;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.websocket.CloseReason;
import javax.websocket.Endpoint;
import javax.websocket.EndpointConfig;
import javax.websocket.HandshakeResponse;
import javax.websocket.MessageHandler;
import javax.websocket.Session;
import javax.websocket.server.HandshakeRequest;
import javax.websocket.server.ServerContainer;
import javax.websocket.server.ServerEndpointConfig;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * A stand-in node for WebSocket relay tests, on a real socket: serves {@code ws://127.0.0.1:port/live/}, echoes
 * every frame, records handshakes and closes, and closes with a given code when sent {@code close:<code>:<reason>}.
 */
public final class EchoWsNode implements AutoCloseable {
    /** One upgrade as the node saw it. */
    public record Handshake(String path, String query, Map<String, List<String>> headers, List<String> subprotocols) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final Tomcat tomcat = new Tomcat();
    private final List<Handshake> handshakes = new CopyOnWriteArrayList<>();
    private final List<CloseReason> closes = new CopyOnWriteArrayList<>();
    private final Map<String, Session> open = new ConcurrentHashMap<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final int port;

    public EchoWsNode() throws Exception {
        File base = Files.createTempDirectory("echo-ws").toFile();
        tomcat.setBaseDir(base.getAbsolutePath());
        // Each embedded Tomcat in this JVM needs its own JMX domain, or stopping one unregisters another's beans.
        tomcat.getEngine().setName("echo-ws-" + base.getName());
        Connector c = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        c.setPort(0);
        c.setProperty("address", "127.0.0.1");
        c.setProperty("acceptCount", "1000");
        tomcat.getService().addConnector(c);
        tomcat.setConnector(c);
        Context ctx = tomcat.addContext("", base.getAbsolutePath());
        ctx.addServletContainerInitializer(new WsSci(), null);
        ctx.addServletContainerInitializer((classes, sc) -> {
            try {
                ServerContainer container = (ServerContainer) sc.getAttribute(ServerContainer.class.getName());
                container.addEndpoint(config("/live/"));
                container.addEndpoint(config("/live/room1/"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, null);
        Tomcat.addServlet(ctx, "default", "org.apache.catalina.servlets.DefaultServlet");
        ctx.addServletMappingDecoded("/", "default");
        tomcat.start();
        port = c.getLocalPort();
    }

    private ServerEndpointConfig config(String path) {
        Endpoint echo = new Endpoint() {
            @Override
            public void onOpen(Session s, EndpointConfig cfg) {
                open.put(s.getId(), s);
                // a Red5 node takes SDPs far larger than Tomcat's 8 KB default
                s.setMaxTextMessageBufferSize(256 * 1024);
                s.setMaxBinaryMessageBufferSize(256 * 1024);
                s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                    if (text.startsWith("quiet:")) {
                        return; // heard, not echoed: a flood test's node must not be mid-send when the proxy cuts it
                    }
                    if (text.startsWith("close:")) {
                        String[] parts = text.split(":", 3);
                        try {
                            s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(Integer.parseInt(parts[1])), parts[2]));
                        } catch (java.io.IOException ignored) {
                            // the test sees the socket drop instead
                        }
                        return;
                    }
                    send(s, text);
                });
                s.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b -> send(s, b));
            }

            @Override
            public void onError(Session s, Throwable error) {
                errors.add(error);
            }

            @Override
            public void onClose(Session s, CloseReason reason) {
                open.remove(s.getId());
                closes.add(reason);
            }
        };
        return ServerEndpointConfig.Builder.create(Endpoint.class, path).subprotocols(List.of("json"))
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(echo);
                    }

                    @Override
                    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest req, HandshakeResponse resp) {
                        handshakes.add(new Handshake(req.getRequestURI().getPath(), req.getQueryString(),
                                Map.copyOf(req.getHeaders()), req.getHeaders().getOrDefault("Sec-WebSocket-Protocol", List.of())));
                    }
                }).build();
    }

    /** Blocking sends, one at a time per session: a node's echo needs no more. */
    private static void send(Session s, Object frame) {
        try {
            synchronized (s) {
                if (frame instanceof String) {
                    s.getBasicRemote().sendText((String) frame);
                } else {
                    s.getBasicRemote().sendBinary((ByteBuffer) frame);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public List<Handshake> handshakes() {
        return List.copyOf(handshakes);
    }

    public List<CloseReason> closes() {
        return List.copyOf(closes);
    }

    /** Errors the node's sessions hit (a test asserts there are none). */
    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    public int openSessions() {
        return open.size();
    }

    public void clear() {
        errors.clear();
        handshakes.clear();
        closes.clear();
    }

    /** Drops the node abruptly: listening socket and open connections. */
    @Override
    public synchronized void close() throws Exception {
        if (tomcat.getServer().getState().isAvailable()) {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}
