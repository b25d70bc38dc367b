package org.smproxy.ws;

import java.net.URI;

/**
 * Where one WebSocket signalling session goes and who asked: decided by {@link WsRouter} before the upgrade.
 *
 * @param label     the stream (SM 2.0) or the client's {@code id} (SM 1.x), for logs and the admin APIs
 * @param requestId the upgrade's X-Request-Id (the client's, or made), sent to the node with the upgrade
 */
public record WsTarget(String nodeId, String nodeAddress, URI upstream, String label, String app, String clientAddress,
                int clientPort, boolean secure, String userAgent, String requestId) {

    public int upstreamPort() {
        return upstream.getPort();
    }
}
