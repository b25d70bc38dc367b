package org.smproxy.store;

/**
 * A WebSocket signalling session as the tier lists it: enough for both admin APIs (SM 2.0 rtcproxy, SM 1.x proxy
 * clients) without the live session itself, which stays on the replica that holds it.
 *
 * @param stream  the stream the session signals for (SM 2.0's streamGuid)
 * @param status  {@code CONNECTING}, {@code CONNECTED} or {@code UNHEALTHY}, as of the last share
 */
public record SessionInfo(String id, String replica, String stream, String app, String targetHost, int targetPort,
                          String clientAddress, String userAgent, boolean secure, long createdMillis, String status,
                          boolean clientConnected, boolean proxyConnected) {

    public boolean healthy() {
        return !"UNHEALTHY".equals(status);
    }
}
