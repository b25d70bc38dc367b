package org.smproxy.whip;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.smproxy.cluster.Node;
import org.smproxy.http.ApiException;
import org.smproxy.http.HttpIn;
import org.smproxy.http.SelectionParams;

/**
 * One relayed request, client to proxy to node and back. All per-request state lives here, typed; the relay's steps
 * take and fill it. Touched by one thread at a time: the server's, then the node leg's callbacks in turn.
 */
final class Exchange {
    static final int MAX_QUERY = 4096;

    final HttpIn clientToProxy;
    final RelayPath path;
    final String method;
    /** The client's query as raw {@code key=value} pairs, keys decoded for matching. */
    final List<String[]> query;
    final long startNanos;
    final byte[] body;
    Route route;
    int attempt;

    /** Where the request goes: the node, and the path on it. {@code replaceable}: the proxy may pick another node. */
    record Route(Node node, String nodePath, boolean replaceable) {
    }

    Exchange(HttpIn req, RelayPath path, long startNanos) {
        this.clientToProxy = req;
        this.path = path;
        this.method = req.method();
        this.query = parseQuery(req.rawQuery());
        this.body = req.body();
        this.startNanos = startNanos;
    }

    private static List<String[]> parseQuery(String raw) {
        List<String[]> pairs = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return pairs;
        }
        if (raw.length() > MAX_QUERY) {
            throw new ApiException(414, "query string is longer than " + MAX_QUERY + " characters");
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            try {
                pairs.add(new String[] {URLDecoder.decode(key, StandardCharsets.UTF_8), pair});
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "malformed query parameter '" + key + "'");
            }
        }
        return pairs;
    }

    String param(String name) {
        for (String[] p : query) {
            if (p[0].equals(name)) {
                int eq = p[1].indexOf('=');
                return eq < 0 ? "" : URLDecoder.decode(p[1].substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The client's parameters for the node: as written, minus the proxy's own, minus any the node's URL already has. */
    String nodeQuery(String alreadyOnNodeUrl) {
        StringBuilder q = new StringBuilder(alreadyOnNodeUrl == null ? "" : alreadyOnNodeUrl);
        for (String[] p : query) {
            if (SelectionParams.PROXY_ONLY.contains(p[0]) || (alreadyOnNodeUrl != null && hasKey(alreadyOnNodeUrl, p[0]))) {
                continue;
            }
            if (q.length() > 0) {
                q.append('&');
            }
            q.append(p[1]);
        }
        return q.toString();
    }

    private static boolean hasKey(String query, String key) {
        for (String pair : query.split("&")) {
            if (pair.equals(key) || pair.startsWith(key + "=")) {
                return true;
            }
        }
        return false;
    }

    /** PATCH and DELETE act on an existing session; OPTIONS and POST start one. */
    boolean onSession() {
        return "PATCH".equals(method) || "DELETE".equals(method);
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    String describe() {
        return clientToProxy.describe();
    }
}
