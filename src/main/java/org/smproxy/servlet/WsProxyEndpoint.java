package org.smproxy.servlet;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.websocket.CloseReason;
import javax.websocket.Endpoint;
import javax.websocket.EndpointConfig;
import javax.websocket.HandshakeResponse;
import javax.websocket.MessageHandler;
import javax.websocket.Session;
import javax.websocket.server.HandshakeRequest;
import javax.websocket.server.ServerEndpointConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ProxyConfig;
import org.smproxy.ws.SessionRegistry;
import org.smproxy.ws.WsTarget;

/**
 * The client leg of the WebSocket relay (JSR-356). The route was decided before the upgrade by
 * {@link WsUpgradeFilter}; here the session is paired with a connection to the node.
 */
public final class WsProxyEndpoint extends Endpoint {
    private static final Logger log = LoggerFactory.getLogger(WsProxyEndpoint.class);
    private static final String TARGET = "smproxy.ws.target";
    /** Characters (text) or bytes (binary) the container buffers per session before handing over a piece. */
    public static final int CONTAINER_BUFFER = 1024;

    private final SessionRegistry registry;
    private final HttpClient http;
    private final ProxyConfig config;

    WsProxyEndpoint(SessionRegistry registry, HttpClient http, ProxyConfig config) {
        this.registry = registry;
        this.http = http;
        this.config = config;
    }

    /** Endpoint configurations for one path (SM 1.x's context root, or one SM 2.0 path template). */
    public static ServerEndpointConfig configFor(String path, SessionRegistry registry, HttpClient http, ProxyConfig config) {
        WsProxyEndpoint endpoint = new WsProxyEndpoint(registry, http, config);
        return ServerEndpointConfig.Builder.create(WsProxyEndpoint.class, path)
                .subprotocols(List.of("json"))
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(endpoint);
                    }

                    @Override
                    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest req, HandshakeResponse resp) {
                        // Tomcat hands this method a per-session copy of the config, so these properties are the session's.
                        sec.getUserProperties().put(TARGET, target(req.getHeaders()));
                    }
                })
                .build();
    }

    private static WsTarget target(Map<String, List<String>> headers) {
        String client = first(headers, WsUpgradeFilter.CLIENT);
        if (client == null) {
            return null; // not decided by the filter: refused in onOpen
        }
        int bar = client.lastIndexOf('|');
        return new WsTarget(first(headers, WsUpgradeFilter.NODE), first(headers, WsUpgradeFilter.NODE_ADDRESS),
                URI.create(first(headers, WsUpgradeFilter.UPSTREAM)), first(headers, WsUpgradeFilter.LABEL),
                first(headers, WsUpgradeFilter.APP),
                client.substring(0, bar), Integer.parseInt(client.substring(bar + 1)),
                Boolean.parseBoolean(first(headers, WsUpgradeFilter.SECURE)), first(headers, "User-Agent"),
                first(headers, WsUpgradeFilter.REQUEST_ID));
    }

    private static String first(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    @Override
    public void onOpen(Session session, EndpointConfig cfg) {
        WsTarget target = (WsTarget) session.getUserProperties().get(TARGET);
        if (target == null) {
            close(session, CloseReason.CloseCodes.UNEXPECTED_CONDITION, "no route: the proxy's upgrade filter did not run");
            return;
        }
        ProxyConfig.WebSocket limits = config.webSocket();
        // Tomcat keeps a message buffer of the session's maximum size for its whole life (a 64 Ki-char text buffer
        // is 128 KB per session). Small container buffers with partial delivery instead: the pair joins the pieces
        // of the rare large message itself and refuses one past proxy.ws.maxFrameSize with 1009, as before.
        session.setMaxTextMessageBufferSize(Math.min(CONTAINER_BUFFER, limits.maxFrameBytes()));
        session.setMaxBinaryMessageBufferSize(Math.min(CONTAINER_BUFFER, limits.maxFrameBytes()));
        session.setMaxIdleTimeout(limits.idleTimeout().toMillis());
        WsProxySession pair = new WsProxySession(registry.nextId(), session, target, registry, limits);
        session.getUserProperties().put(WsProxySession.class.getName(), pair);
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>) pair::fromClient);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) pair::fromClient);
        log.info("WebSocket session {} for {} from {} to node {} ({})", pair.id(), target.label(), target.clientAddress(),
                target.nodeId(), target.nodeAddress());
        pair.open(http, config.relay().connectTimeout());
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        WsProxySession pair = (WsProxySession) session.getUserProperties().get(WsProxySession.class.getName());
        if (pair != null) {
            pair.clientClosed(reason);
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        WsProxySession pair = (WsProxySession) session.getUserProperties().get(WsProxySession.class.getName());
        log.debug("WebSocket client leg error{}: {}", pair == null ? "" : " in " + pair.id(), error.toString());
    }

    private static void close(Session session, CloseReason.CloseCode code, String reason) {
        try {
            session.close(new CloseReason(code, reason));
        } catch (java.io.IOException e) {
            log.debug("close failed: {}", e.toString());
        }
    }

}
