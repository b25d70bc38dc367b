package org.smproxy.ws;

import java.net.URI;

/**
 * Where one WebSocket signalling session goes and who asked: decided by {@link WsRouter} before the upgrade.
 *
 * @param label the stream (SM 2.0) or the client's {@code id} (SM 1.x), for logs and the admin APIs
 */
public record WsTarget(String nodeId, String nodeAddress, URI upstream, String label, String app, String clientAddress,
                int clientPort, boolean secure, String userAgent) {

    public int upstreamPort() {
        return upstream.getPort();
    }
}
