package org.smproxy.whip;

import org.smproxy.cluster.Node;
import org.smproxy.http.HttpIn;
import org.smproxy.http.Query;
import org.smproxy.http.RelayLog;
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
    final Query query;
    final long startNanos;
    final byte[] body;
    /** The client's X-Request-Id, or one made for it: in every log line of the exchange, and sent to the node. */
    final String requestId;
    Route route;
    int attempt;

    /** Where the request goes: the node, and the path on it. {@code replaceable}: the proxy may pick another node. */
    record Route(Node node, String nodePath, boolean replaceable) {
    }

    Exchange(HttpIn req, RelayPath path, long startNanos) {
        this(req, path, startNanos, RelayLog.requestId(req));
    }

    Exchange(HttpIn req, RelayPath path, long startNanos, String requestId) {
        this.requestId = requestId;
        this.clientToProxy = req;
        this.path = path;
        this.method = req.method();
        this.query = Query.parse(req.rawQuery());
        this.body = req.body();
        this.startNanos = startNanos;
    }

    String param(String name) {
        return query.get(name);
    }

    /** The client's parameters for the node: as written, minus the proxy's own, minus any the node's URL already has. */
    String nodeQuery(String alreadyOnNodeUrl) {
        StringBuilder q = new StringBuilder(alreadyOnNodeUrl == null ? "" : alreadyOnNodeUrl);
        for (Query.Pair p : query.pairs()) {
            if (SelectionParams.PROXY_ONLY.contains(p.key()) || (alreadyOnNodeUrl != null && hasKey(alreadyOnNodeUrl, p.key()))) {
                continue;
            }
            if (q.length() > 0) {
                q.append('&');
            }
            q.append(p.raw());
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
