package org.smproxy.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Every path the proxy serves, once: which endpoint answers under which web context and servlet-style mapping
 * ({@code /v1/health} exact, {@code /v1/streams/*} the path and all below it, {@code ""} the context's root). The servlet installer registers
 * these mappings in each context; the Netty listener matches the same table as a servlet container would: the
 * context first, then the exact or the longest prefix mapping in it. So both servers serve the same paths.
 */
public final class RouteTable {

    /** One endpoint under a context ({@code /as}, {@code /streammanager}, or "" for the root). */
    public record Route(String name, String context, List<String> mappings, Endpoint endpoint) {
    }

    /** The endpoint for a path and the part below its mapping (as a servlet's path info: null or "/..."). */
    public record Match(Endpoint endpoint, String within) {
    }

    private final List<Route> routes;
    /** Contexts longest first, so {@code /streammanager} wins over the root. */
    private final List<String> contexts;

    public RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        List<String> ctx = new ArrayList<>();
        for (Route r : routes) {
            if (!ctx.contains(r.context())) {
                ctx.add(r.context());
            }
        }
        ctx.sort(Comparator.comparingInt(String::length).reversed());
        this.contexts = Collections.unmodifiableList(ctx);
    }

    /** This table and further routes (a page served beside the proxy on the same origin), for the same servers. */
    public RouteTable with(List<Route> extras) {
        if (extras.isEmpty()) {
            return this;
        }
        List<Route> all = new ArrayList<>(routes);
        all.addAll(extras);
        return new RouteTable(all);
    }

    public List<Route> routes() {
        return routes;
    }

    public List<Route> in(String context) {
        List<Route> in = new ArrayList<>();
        for (Route r : routes) {
            if (r.context().equals(context)) {
                in.add(r);
            }
        }
        return in;
    }

    /** The largest body any endpoint takes: what a server must be able to read before it knows the route. */
    public int maxBodyBytes() {
        int max = 0;
        for (Route r : routes) {
            max = Math.max(max, r.endpoint().maxBodyBytes());
        }
        return max;
    }

    /** The endpoint serving a decoded path, or null (the container's 404). */
    public Match match(String path) {
        for (String context : contexts) {
            if (context.isEmpty() || path.equals(context) || path.startsWith(context + "/")) {
                return matchIn(context, path.substring(context.length()));
            }
        }
        return null;
    }

    /** Servlet mapping rules: an exact mapping first, then the longest matching {@code /prefix/*}. */
    private Match matchIn(String context, String inContext) {
        Match best = null;
        int bestLength = -1;
        for (Route r : routes) {
            if (!r.context().equals(context)) {
                continue;
            }
            for (String mapping : r.mappings()) {
                if (!mapping.endsWith("/*")) {
                    // "" is the servlet mapping of the context root alone
                    boolean exact = mapping.isEmpty() ? inContext.isEmpty() || inContext.equals("/") : mapping.equals(inContext);
                    if (exact) {
                        return new Match(r.endpoint(), null);
                    }
                    continue;
                }
                String prefix = mapping.substring(0, mapping.length() - 2);
                boolean under = inContext.equals(prefix) || inContext.startsWith(prefix + "/");
                if (under && prefix.length() > bestLength) {
                    String within = inContext.substring(prefix.length());
                    best = new Match(r.endpoint(), within.isEmpty() ? null : within);
                    bestLength = prefix.length();
                }
            }
        }
        return best;
    }
}
