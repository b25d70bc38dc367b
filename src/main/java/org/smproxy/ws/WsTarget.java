package org.smproxy.ws;

import java.net.URI;

/**
 * Where one WebSocket signalling session goes and who asked: decided by {@link WsUpgradeFilter} before the upgrade
 * and handed to the endpoint through internal handshake headers (JSR-356 shows an endpoint no request attributes).
 *
 * @param label the stream (SM 2.0) or the client's {@code id} (SM 1.x), for logs and the admin APIs
 */
public record WsTarget(String nodeId, String nodeAddress, URI upstream, String label, String app, String clientAddress,
                int clientPort, boolean secure, String userAgent) {

    static final String NODE = "X-Smproxy-Ws-Node";
    static final String NODE_ADDRESS = "X-Smproxy-Ws-Node-Address";
    static final String UPSTREAM = "X-Smproxy-Ws-Upstream";
    static final String LABEL = "X-Smproxy-Ws-Label";
    static final String APP = "X-Smproxy-Ws-App";
    static final String CLIENT = "X-Smproxy-Ws-Client";
    static final String SECURE = "X-Smproxy-Ws-Secure";

    public int upstreamPort() {
        return upstream.getPort();
    }
}
