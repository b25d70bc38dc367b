package org.smproxy.http;

/**
 * The node could not be talked to. {@code unsent} marks failures where the request provably never reached the
 * node (connection refused, connect timeout): only those may be retried on another node.
 */
public final class UpstreamException extends RuntimeException {

    /** What went wrong on the proxy-to-node leg; each has its own status. */
    public enum Kind {
        /** Refused, reset or unreachable: 502. */
        UNREACHABLE,
        /** Connected, but no answer in time: 504. */
        TIMEOUT,
        /** Answered with something the proxy will not relay (oversized): 502. */
        BAD_RESPONSE
    }

    private final Kind kind;
    private final boolean unsent;

    public UpstreamException(Kind kind, boolean unsent, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.unsent = unsent;
    }

    public Kind kind() {
        return kind;
    }

    public boolean unsent() {
        return unsent;
    }
}
