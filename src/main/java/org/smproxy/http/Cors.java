package org.smproxy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * CORS for browser pages on other origins, decided once for both servers. A preflight (an OPTIONS carrying
 * {@code Access-Control-Request-Method}) is answered by the proxy and never reaches a node; WHIP's own OPTIONS,
 * which asks a node for its ICE servers, has no such header and goes through. Answers expose the headers WHIP/WHEP
 * clients must read.
 */
public final class Cors {
    static final String EXPOSED = "Location, Link, ETag, Session-Host, Accept-Patch, Retry-After";
    static final String METHODS = "OPTIONS, GET, POST, PUT, PATCH, DELETE";

    /**
     * What CORS adds to one request's answer ({@code headers}) and, when the proxy answers it alone (a preflight),
     * that whole answer; {@code answer} is null when the request goes on.
     */
    public record Verdict(List<Map.Entry<String, String>> headers, HttpOut answer) {
    }

    private static final Verdict NOT_CROSS_ORIGIN = new Verdict(List.of(), null);

    private final List<String> allowedOrigins;
    private final boolean anyOrigin;

    public Cors(List<String> allowedOrigins) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.anyOrigin = allowedOrigins.contains("*");
    }

    public Verdict check(String method, Function<String, String> header, long nowMillis) {
        String origin = header.apply("Origin");
        if (origin == null) {
            return NOT_CROSS_ORIGIN;
        }
        boolean preflight = "OPTIONS".equals(method) && header.apply("Access-Control-Request-Method") != null;
        List<Map.Entry<String, String>> headers = new ArrayList<>(6);
        headers.add(Map.entry("Vary", "Origin"));
        if (!anyOrigin && !allowedOrigins.contains(origin)) {
            // Without CORS headers the browser withholds a normal answer from the page; a preflight gets a reason.
            return new Verdict(headers, preflight ? HttpOut.error(new ApiException(403, "origin " + origin
                    + " is not allowed (proxy.cors.allowedOrigins)"), ErrorDialect.SM2, nowMillis) : null);
        }
        headers.add(Map.entry("Access-Control-Allow-Origin", anyOrigin ? "*" : origin));
        if (!preflight) {
            headers.add(Map.entry("Access-Control-Expose-Headers", EXPOSED));
            return new Verdict(headers, null);
        }
        String asked = header.apply("Access-Control-Request-Headers");
        headers.add(Map.entry("Access-Control-Allow-Methods", METHODS));
        headers.add(Map.entry("Access-Control-Allow-Headers", asked == null ? "Content-Type, If-Match, Authorization" : asked));
        headers.add(Map.entry("Access-Control-Max-Age", "600"));
        return new Verdict(headers, new HttpOut(204));
    }
}
