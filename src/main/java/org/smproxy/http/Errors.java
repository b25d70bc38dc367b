package org.smproxy.http;

import java.io.IOException;

import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterException;

/** The one map from failures to HTTP statuses, and the one writer of error bodies. */
public final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    /** A full node or group frees up as clients leave; a few seconds is the heartbeat's own pace. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private Errors() {
    }

    public static ApiException toApi(Throwable failure) {
        while (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure instanceof ApiException) {
            return (ApiException) failure;
        }
        if (failure instanceof ClusterException.InvalidRequest) {
            return new ApiException(400, failure.getMessage());
        }
        if (failure instanceof ClusterException.UnknownNodeGroup || failure instanceof ClusterException.UnknownNode
                || failure instanceof ClusterException.StreamNotFound) {
            return new ApiException(404, failure.getMessage());
        }
        if (failure instanceof ClusterException.StreamAlreadyPublished || failure instanceof ClusterException.AddressConflict) {
            return new ApiException(409, failure.getMessage());
        }
        if (failure instanceof ClusterException.GroupLimitReached
                || failure instanceof ClusterException.SharedStateUnavailable) {
            return new ApiException(503, failure.getMessage(), RETRY_AFTER_SECONDS);
        }
        if (failure instanceof ClusterException.NoNodeAvailable) {
            boolean full = ((ClusterException.NoNodeAvailable) failure).atCapacity();
            return full ? new ApiException(503, failure.getMessage(), RETRY_AFTER_SECONDS)
                    : new ApiException(404, failure.getMessage());
        }
        if (failure instanceof UpstreamException) {
            UpstreamException u = (UpstreamException) failure;
            return new ApiException(u.kind() == UpstreamException.Kind.TIMEOUT ? 504 : 502, u.getMessage());
        }
        log.error("unexpected failure", failure);
        return new ApiException(500, "internal error: " + failure.getClass().getSimpleName());
    }

    /**
     * Sets an error's status and headers on a response and returns its JSON body, for async callers that write the
     * body themselves without blocking.
     */
    public static byte[] prepare(HttpServletResponse resp, ApiException e) {
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(ErrorDialect.SM2.body(e.getMessage(), System.currentTimeMillis()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        resp.setStatus(e.status());
        if (e.retryAfterSeconds() != null) {
            resp.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        return body;
    }

    public static void write(HttpServletResponse resp, ErrorDialect dialect, Throwable failure, long nowMillis)
            throws IOException {
        ApiException e = toApi(failure);
        if (resp.isCommitted()) {
            log.warn("cannot send error {} ({}): response already committed", e.status(), e.getMessage());
            return;
        }
        resp.resetBuffer(); // keeps headers such as CORS that a filter already set
        if (e.retryAfterSeconds() != null) {
            resp.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        Json.write(resp, e.status(), dialect.body(e.getMessage(), nowMillis));
    }
}
