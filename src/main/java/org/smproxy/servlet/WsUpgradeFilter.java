package org.smproxy.servlet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;

import org.smproxy.http.ErrorDialect;
import org.smproxy.ws.WsRouter;
import org.smproxy.ws.WsTarget;

/**
 * Runs before the WebSocket upgrade (ahead of Tomcat's own filter): {@link WsRouter} decides the session or refuses
 * it with a status and a JSON reason, and the decision reaches the endpoint in internal headers that clients cannot
 * forge (any such incoming headers are dropped): JSR-356 shows an endpoint no request attributes.
 */
public final class WsUpgradeFilter implements Filter {
    static final String NODE = "X-Smproxy-Ws-Node";
    static final String NODE_ADDRESS = "X-Smproxy-Ws-Node-Address";
    static final String UPSTREAM = "X-Smproxy-Ws-Upstream";
    static final String LABEL = "X-Smproxy-Ws-Label";
    static final String APP = "X-Smproxy-Ws-App";
    static final String CLIENT = "X-Smproxy-Ws-Client";
    static final String SECURE = "X-Smproxy-Ws-Secure";
    static final String REQUEST_ID = "X-Smproxy-Ws-Request-Id";

    private final boolean sm1;
    private final WsRouter router;

    public WsUpgradeFilter(boolean sm1, WsRouter router) {
        this.sm1 = sm1;
        this.router = router;
    }

    @Override
    public void init(FilterConfig filterConfig) {
    }

    @Override
    public void destroy() {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, javax.servlet.ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        ServletIn in = new ServletIn(req, new byte[0]);
        if (!WsRouter.isRelayPath(sm1, path) || !WsRouter.isUpgrade(in)) {
            chain.doFilter(request, response);
            return;
        }
        try {
            chain.doFilter(new TargetRequest(req, router.decide(in, sm1, path)), response);
        } catch (RuntimeException e) {
            Errors.write((HttpServletResponse) response, sm1 ? ErrorDialect.SM1 : ErrorDialect.SM2, e,
                    System.currentTimeMillis());
        }
    }

    /** The handshake as the endpoint will see it: the decision added, any client-sent lookalikes removed. */
    private static final class TargetRequest extends HttpServletRequestWrapper {
        private final Map<String, String> added = new HashMap<>();

        TargetRequest(HttpServletRequest req, WsTarget t) {
            super(req);
            added.put(NODE.toLowerCase(Locale.ROOT), t.nodeId());
            added.put(NODE_ADDRESS.toLowerCase(Locale.ROOT), t.nodeAddress());
            added.put(UPSTREAM.toLowerCase(Locale.ROOT), t.upstream().toString());
            added.put(LABEL.toLowerCase(Locale.ROOT), t.label());
            added.put(APP.toLowerCase(Locale.ROOT), t.app());
            added.put(CLIENT.toLowerCase(Locale.ROOT), t.clientAddress() + "|" + t.clientPort());
            added.put(SECURE.toLowerCase(Locale.ROOT), String.valueOf(t.secure()));
            added.put(REQUEST_ID.toLowerCase(Locale.ROOT), t.requestId());
        }

        private static boolean internal(String name) {
            return name.toLowerCase(Locale.ROOT).startsWith("x-smproxy-");
        }

        @Override
        public String getHeader(String name) {
            return internal(name) ? added.get(name.toLowerCase(Locale.ROOT)) : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (!internal(name)) {
                return super.getHeaders(name);
            }
            String v = added.get(name.toLowerCase(Locale.ROOT));
            return Collections.enumeration(v == null ? List.of() : List.of(v));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements();) {
                String n = e.nextElement();
                if (!internal(n)) {
                    names.add(n);
                }
            }
            names.addAll(added.keySet());
            return Collections.enumeration(names);
        }
    }
}
