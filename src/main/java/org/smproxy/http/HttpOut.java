package org.smproxy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** The core's complete answer to a client: status, headers in order, body. Adapters copy it onto their response. */
public final class HttpOut {
    private static final byte[] NONE = new byte[0];

    private final int status;
    /** Name, value, name, value...: a few entries, so a flat list beats a map. */
    private final List<String> headers = new ArrayList<>(16);
    private byte[] body = NONE;

    public HttpOut(int status) {
        this.status = status;
    }

    /** An error in the SM 2.0 shape {@code {"error": message}} (or SM 1.x's), with Retry-After when it has one. */
    public static HttpOut error(ApiException e, ErrorDialect dialect, long nowMillis) {
        HttpOut out = json(e.status(), dialect.body(e.getMessage(), nowMillis));
        if (e.retryAfterSeconds() != null) {
            out.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        if (e.allow() != null) {
            out.header("Allow", e.allow());
        }
        return out;
    }

    /** A JSON answer, never cached: every API's answer describes the cluster as it is now. */
    public static HttpOut json(int status, Object body) {
        return new HttpOut(status)
                .header("Content-Type", "application/json;charset=UTF-8")
                .header("Cache-Control", "no-store")
                .body(Json.bytes(body));
    }

    public HttpOut header(String name, String value) {
        headers.add(name);
        headers.add(value);
        return this;
    }

    public HttpOut body(byte[] bytes) {
        this.body = bytes == null ? NONE : bytes;
        return this;
    }

    public int status() {
        return status;
    }

    public byte[] body() {
        return body;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name)) {
                return headers.get(i + 1);
            }
        }
        return null;
    }

    public void forEachHeader(BiConsumer<String, String> action) {
        for (int i = 0; i < headers.size(); i += 2) {
            action.accept(headers.get(i), headers.get(i + 1));
        }
    }
}
