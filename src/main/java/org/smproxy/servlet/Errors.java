package org.smproxy.servlet;

import java.io.IOException;

import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.ApiException;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Failures;
import org.smproxy.http.Json;

/** The one writer of error bodies on servlet responses; the statuses come from {@link Failures}. */
public final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    public static final int RETRY_AFTER_SECONDS = Failures.RETRY_AFTER_SECONDS;

    private Errors() {
    }

    /** The one map from failures to statuses: {@link Failures#toApi}, kept here for the servlet callers. */
    public static ApiException toApi(Throwable failure) {
        return Failures.toApi(failure);
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
        json(resp, e.status(), dialect.body(e.getMessage(), nowMillis));
    }

    /** A JSON answer written at once: for the few servlet answers that are not an endpoint's (start-up errors, 404s). */
    public static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        byte[] bytes = Json.bytes(body);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
