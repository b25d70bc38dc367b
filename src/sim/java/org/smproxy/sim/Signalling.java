package org.smproxy.sim;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;
import javax.websocket.DeploymentException;
import javax.websocket.server.ServerContainer;
import javax.websocket.server.ServerEndpointConfig;
import org.apache.catalina.Context;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * A node's WebSocket signalling, Red5's: a JSR-356 endpoint on each app's path ({@code /live/?id=...}, or
 * {@code /live/<room>/} for a stream in a room), as Red5's SDK builds it from {@code app} and
 * {@code context}. Keeps the upgrade requests it saw and the sockets open now.
 */
final class Signalling {

    /** Red5 nodes speak JSON frames; the Stream Manager's own client offers this subprotocol. */
    static final String SUBPROTOCOL = "json";

    private final SimNode node;
    private final Set<SignallingEndpoint> open = ConcurrentHashMap.newKeySet();
    private final List<WsHandshake> handshakes = new CopyOnWriteArrayList<>();

    Signalling(SimNode node) {
        this.node = node;
    }

    /**
     * Before the context starts: {@code Tomcat.addContext} runs no classpath scan, so the JSR-356 container
     * is initialised by hand, then the endpoints are added while adding is still allowed (before any request).
     */
    void install(Context context) {
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer((classes, servletContext) -> register(servletContext), null);
    }

    private void register(ServletContext servletContext) throws ServletException {
        ServerContainer container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
        SignallingConfigurator configurator = new SignallingConfigurator(this);
        try {
            for (String app : node.config().apps()) {
                for (String path : paths(app)) {
                    container.addEndpoint(ServerEndpointConfig.Builder.create(SignallingEndpoint.class, path)
                            .subprotocols(List.of(SUBPROTOCOL)).configurator(configurator).build());
                }
            }
        } catch (DeploymentException e) {
            throw new ServletException("signalling endpoints", e);
        }
    }

    /**
     * Tomcat matches a path without its trailing slash against templates only, so the SDK's {@code /live/}
     * needs its own exact entry; one room level ({@code /live/room1[/]}) and two are templates.
     */
    static List<String> paths(String app) {
        String base = "/" + app;
        return List.of(base, base + "/", base + "/{room}", base + "/{room}/{sub}");
    }

    /** Why a socket's connection parameters are refused (round-trip authentication), or null when they pass. */
    String roundTripAuthRefusal(java.util.function.Function<String, String> param) {
        RoundTripAuth auth = node.config().roundTripAuth();
        String refusal = auth == null ? null : auth.refusal(param);
        if (refusal != null) {
            node.authRefused();
        }
        return refusal;
    }

    SimNode node() {
        return node;
    }

    void handshake(WsHandshake handshake) {
        handshakes.add(handshake);
    }

    List<WsHandshake> handshakes() {
        return List.copyOf(handshakes);
    }

    void opened(SignallingEndpoint socket) {
        open.add(socket);
    }

    void closed(SignallingEndpoint socket) {
        open.remove(socket);
    }

    int openSockets() {
        return open.size();
    }

    /** After the node's port died: its sockets are gone whether or not Tomcat reported every close. */
    void forgetAll() {
        open.clear();
    }
}
