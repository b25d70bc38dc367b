package org.smproxy.ws;

/**
 * One proxied WebSocket signalling session as the {@link SessionRegistry} sees it, whichever server carries it
 * (the servlet container's JSR-356 session paired with a JDK client, or two Netty channels on one event loop).
 * Every method may be called from any thread.
 */
public interface WsSession {
    String id();

    WsTarget target();

    long createdMillis();

    boolean clientConnected();

    boolean proxyConnected();

    /** Healthy while both legs are up, or while the node leg is still being dialled. */
    boolean healthy();

    /** When one leg went down, or 0 while healthy. */
    long unhealthySinceMillis();

    /** The first close code the session saw, from either leg or the proxy itself; 0 while open (or dropped without one). */
    int closeCode();

    /** Ends both legs, e.g. from the admin API or the reaper. */
    void kick(int code, String reason);

    /** Pings both legs, so idle sessions stay open through NATs and load balancers and dead peers show. */
    void ping();
}
