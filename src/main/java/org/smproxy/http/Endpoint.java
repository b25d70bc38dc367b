package org.smproxy.http;

import java.util.concurrent.CompletableFuture;

/**
 * One thing the proxy serves over HTTP (an API, a relay), written once for every server. An adapter reads the
 * request (body bounded by {@link #maxBodyBytes()}), finds the endpoint in the {@link RouteTable}, and writes the
 * answer it gets back; CORS is the adapter's, applied to every answer alike.
 */
public interface Endpoint {
    /** The largest request body this endpoint takes; past it the adapter answers 413 without calling it. */
    int maxBodyBytes();

    /**
     * Serves one request. Never fails: every failure is an error answer. Must not block: adapters call it on their
     * I/O threads.
     *
     * @param path the decoded path, context included ({@code /as/v1/streams/ng1/publish/live/s1})
     * @param within the part below the route's mapping, as a servlet's path info: null or starting with '/'
     * @param leg the way to nodes on the calling thread, for endpoints that relay
     */
    CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg);

    /** The answer for a request the adapter could not read (too large, malformed), in this endpoint's dialect. */
    HttpOut refuse(HttpIn in, Throwable failure);
}
