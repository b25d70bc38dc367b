package org.smproxy.http;

/** A failure with the HTTP status the client gets; the message is the client-facing explanation. */
public class ApiException extends RuntimeException {
    private final int status;
    private final Integer retryAfterSeconds;
    private final String allow;

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    public ApiException(int status, String message, Integer retryAfterSeconds) {
        this(status, message, retryAfterSeconds, null);
    }

    private ApiException(int status, String message, Integer retryAfterSeconds, String allow) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
        this.allow = allow;
    }

    /** A 405 that names, in its {@code Allow} header and its message, what the resource does take. */
    public static ApiException methodNotAllowed(String method, String allowed) {
        return new ApiException(405, "method " + method + " is not allowed here (allowed: " + allowed + ")", null,
                allowed);
    }

    public int status() {
        return status;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The methods for an {@code Allow} header, or null. */
    public String allow() {
        return allow;
    }
}
