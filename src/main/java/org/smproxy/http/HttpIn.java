package org.smproxy.http;

/**
 * A client's request as the proxy core reads it, whichever server took it in (the servlet container inside Red5,
 * or the Netty listener): the core decides on this alone, so both answer alike.
 */
public interface HttpIn {
    String method();

    /** The path as the client sent it, without the query: for logs and messages, never for routing. */
    String path();

    /** The query string as written, or null. */
    String rawQuery();

    /** The first value of a header (names are case-insensitive), or null. */
    String header(String name);

    String remoteAddress();

    int remotePort();

    boolean secure();

    /** The whole body, already bounded by the adapter's limit; empty when there is none. */
    byte[] body();

    /**
     * For logs: method and path, never the query (it can carry passwords and tokens), and the path's session and
     * HLS tokens replaced by {@code <token>}: a logged resource URL must not be a working one.
     */
    default String describe() {
        return method() + " " + RelayLog.redact(path());
    }
}
