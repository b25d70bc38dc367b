package org.smproxy.sim;

import java.util.List;
import java.util.Map;
import javax.websocket.HandshakeResponse;
import javax.websocket.server.HandshakeRequest;
import javax.websocket.server.ServerEndpointConfig;

/**
 * Builds each signalling socket's endpoint with its node and records the upgrade request's headers. Subprotocol
 * negotiation stays Tomcat's default: {@code json} when the client offers it, none otherwise (browsers offer none).
 */
final class SignallingConfigurator extends ServerEndpointConfig.Configurator {

    private final Signalling signalling;

    SignallingConfigurator(Signalling signalling) {
        this.signalling = signalling;
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        Map<String, List<String>> headers = request.getHeaders();
        signalling.handshake(new WsHandshake(request.getRequestURI().getRawPath(), request.getQueryString(), headers));
    }

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
        if (endpointClass != SignallingEndpoint.class) {
            throw new InstantiationException("not a signalling endpoint: " + endpointClass);
        }
        return endpointClass.cast(new SignallingEndpoint(signalling));
    }
}
