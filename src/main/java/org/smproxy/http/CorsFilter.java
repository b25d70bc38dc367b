package org.smproxy.http;

import java.io.IOException;
import java.util.List;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * CORS for browser pages on other origins. A preflight (an OPTIONS carrying {@code Access-Control-Request-Method})
 * is answered here and never reaches a node; WHIP's own OPTIONS, which asks a node for its ICE servers, has no such
 * header and goes through. Responses expose the headers WHIP/WHEP clients must read.
 */
public final class CorsFilter implements Filter {
    static final String EXPOSED = "Location, Link, ETag, Session-Host, Accept-Patch, Retry-After";
    static final String METHODS = "OPTIONS, GET, POST, PATCH, DELETE";

    private final List<String> allowedOrigins;
    private final boolean anyOrigin;

    public CorsFilter(List<String> allowedOrigins) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.anyOrigin = allowedOrigins.contains("*");
    }

    @Override
    public void init(FilterConfig filterConfig) {
    }

    @Override
    public void destroy() {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String origin = req.getHeader("Origin");
        if (origin == null) {
            chain.doFilter(request, response);
            return;
        }
        boolean allowed = anyOrigin || allowedOrigins.contains(origin);
        boolean preflight = "OPTIONS".equals(req.getMethod()) && req.getHeader("Access-Control-Request-Method") != null;
        resp.addHeader("Vary", "Origin");
        if (!allowed) {
            if (preflight) {
                Json.write(resp, 403, ErrorDialect.SM2.body("origin " + origin + " is not allowed (proxy.cors.allowedOrigins)",
                        System.currentTimeMillis()));
                return;
            }
            chain.doFilter(request, response); // no CORS headers: the browser withholds the answer from the page
            return;
        }
        resp.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
        if (preflight) {
            resp.setHeader("Access-Control-Allow-Methods", METHODS);
            String headers = req.getHeader("Access-Control-Request-Headers");
            resp.setHeader("Access-Control-Allow-Headers", headers == null ? "Content-Type, If-Match, Authorization" : headers);
            resp.setHeader("Access-Control-Max-Age", "600");
            resp.setStatus(204);
            return;
        }
        resp.setHeader("Access-Control-Expose-Headers", EXPOSED);
        chain.doFilter(request, response);
    }
}
