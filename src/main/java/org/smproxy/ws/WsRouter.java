package org.smproxy.ws;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.smproxy.cluster.Capability;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.Admission;
import org.smproxy.http.ApiException;
import org.smproxy.http.Failures;
import org.smproxy.http.HttpIn;
import org.smproxy.http.Query;
import org.smproxy.http.RateLimiter;
import org.smproxy.http.RelayLog;
import org.smproxy.http.RelayMetrics;
import org.smproxy.http.SelectionParams;

/**
 * Decides a WebSocket signalling session before the upgrade, on any server, so that a bad request gets an HTTP
 * status and a JSON reason instead of a socket that opens and closes: origin, the per-address session cap, the
 * query, and the node (a client's {@code host} checked against the cluster model).
 *
 * <pre>
 * SM 1.x  wss://sm/streammanager/?id=..&amp;host=&lt;node&gt;&amp;app=live[&amp;context=room][&amp;username=..]   (proxy.enabled=true)
 * SM 2.0  wss://sm/as/v1/proxy/ws/{publish|subscribe}/{app}[/{room}]/{stream}?id=..&amp;(host=..|nodeGroup=..)
 * </pre>
 */
public final class WsRouter {
    /** Where SM 2.0's WebSocket paths start, below the {@code /as} context. */
    public static final String SM2_PREFIX = "/v1/proxy/ws/";
    /** The proxy's own parameters; the rest go to the node as the client wrote them. */
    private static final Set<String> PROXY_ONLY = union(SelectionParams.PROXY_ONLY, "app", "context");

    private final ClusterModel cluster;
    private final SessionRegistry registry;
    private final ProxyConfig config;
    private final RateLimiter limiter;

    private final Admission admission;
    private final RelayMetrics metrics;

    public WsRouter(ClusterModel cluster, SessionRegistry registry, ProxyConfig config, RateLimiter limiter,
                    Admission admission, RelayMetrics metrics) {
        this.metrics = metrics;
        this.limiter = limiter;
        this.admission = admission;
        this.cluster = cluster;
        this.registry = registry;
        this.config = config;
    }

    /** Red5's contexts for the two URL shapes, for a server that sees whole paths. */
    private static final String SM1_CONTEXT = "/streammanager";
    private static final String SM2_CONTEXT = "/as";

    /** A WebSocket relay path: which generation, and the path below its context. */
    public record Shape(boolean sm1, String pathInContext) {
    }

    /** The relay's shape for a whole path ({@code /as/v1/proxy/ws/...}, {@code /streammanager/}), or null. */
    public static Shape shapeOf(String path) {
        Shape shape = null;
        if (path.equals(SM1_CONTEXT) || path.startsWith(SM1_CONTEXT + "/")) {
            shape = new Shape(true, path.substring(SM1_CONTEXT.length()));
        } else if (path.startsWith(SM2_CONTEXT + "/")) {
            shape = new Shape(false, path.substring(SM2_CONTEXT.length()));
        }
        return shape != null && isRelayPath(shape.sm1(), shape.pathInContext()) ? shape : null;
    }

    /** Whether a request is a WebSocket upgrade. */
    public static boolean isUpgrade(HttpIn in) {
        String upgrade = in.header("Upgrade");
        return upgrade != null && "websocket".equals(upgrade.toLowerCase(Locale.ROOT));
    }

    /** Whether a path below the family's context is the family's WebSocket relay. */
    public static boolean isRelayPath(boolean sm1, String pathInContext) {
        return sm1 ? "/".equals(pathInContext) || pathInContext.isEmpty() : pathInContext.startsWith(SM2_PREFIX);
    }

    /** @throws ApiException with the status and reason the client gets instead of an upgrade */
    public WsTarget decide(HttpIn in, boolean sm1, String pathInContext) {
        long start = System.nanoTime();
        try {
            WsTarget t = route(in, sm1, pathInContext);
            metrics.record("ws", "GET", 101, start);
            return t;
        } catch (RuntimeException e) {
            metrics.record("ws", "GET", Failures.toApi(e).status(), start);
            throw e;
        }
    }

    private WsTarget route(HttpIn in, boolean sm1, String pathInContext) {
        if (sm1 && !config.wsProxyEnabled()) {
            throw new ApiException(404, "the WebSocket proxy is disabled on this server (proxy.enabled=false)");
        }
        String origin = in.header("Origin");
        List<String> allowed = config.relay().allowedOrigins();
        if (origin != null && !allowed.contains("*") && !allowed.contains(origin)) {
            throw new ApiException(403, "origin " + origin + " is not allowed (proxy.cors.allowedOrigins)");
        }
        admission.admitNew("WebSocket sessions");
        String client = limiter.clientOf(in);
        limiter.take(RateLimiter.Kind.WEBSOCKET, client);
        if (registry.countFrom(client) >= config.webSocket().maxSessionsPerAddress()) {
            throw new ApiException(429, "too many WebSocket sessions from " + client
                    + " (proxy.ws.maxSessionsPerAddress=" + config.webSocket().maxSessionsPerAddress() + ")");
        }
        Query query = Query.parse(in.rawQuery());
        String host = nonEmpty(query.get("host"));
        String scope;
        String label;
        Node node;
        if (sm1) {
            String app = nonEmpty(query.get("app"));
            if (host == null || app == null) {
                throw new ApiException(400, "the SM 1.x WebSocket proxy needs host=<node> and app=<scope>"
                        + " (from the event API's serverAddress and scope)");
            }
            String context = nonEmpty(query.get("context"));
            scope = app + (context == null ? "" : "/" + context);
            StreamGuid.of(scope, "x"); // the same rules as stream names: no "..", no odd characters
            node = byHost(host, null);
            String id = nonEmpty(query.get("id"));
            label = id == null ? scope : id;
        } else {
            String rest = pathInContext.substring(SM2_PREFIX.length());
            int slash = rest.indexOf('/');
            String action = slash < 0 ? rest : rest.substring(0, slash);
            if (!"publish".equals(action) && !"subscribe".equals(action)) {
                throw new ApiException(404, "expected /as/v1/proxy/ws/publish/<app>/<stream> or .../subscribe/...");
            }
            StreamGuid guid = new StreamGuid(rest.substring(slash + 1));
            Capability capability = "publish".equals(action) ? Capability.PUBLISH : Capability.SUBSCRIBE;
            node = host != null ? byHost(host, capability) : select(query, guid, capability);
            scope = guid.scope();
            label = guid.value();
        }
        return new WsTarget(node.id(), node.address(), upstream(query, node, scope), label, scope, client,
                in.remotePort(), in.secure(), in.header("User-Agent"), RelayLog.requestId(in));
    }

    private Node byHost(String host, Capability capability) {
        Node node = cluster.findByAddress(host).orElseThrow(() -> new ApiException(400,
                "host '" + host + "' is not a node of this cluster"));
        boolean fits = capability == null ? node.role().takesPublishers() || node.role().can(Capability.SUBSCRIBE)
                : capability == Capability.PUBLISH ? node.role().takesPublishers() : node.role().can(capability);
        if (!fits) {
            throw new ApiException(400, "node " + node.address() + " is an " + node.role().wireName()
                    + " and takes no " + (capability == null ? "clients" : capability.name().toLowerCase(Locale.ROOT) + "ers"));
        }
        return node.requireAvailable(false);
    }

    private Node select(Query query, StreamGuid guid, Capability capability) {
        String group = nonEmpty(query.get("nodeGroup"));
        SelectionRequest sel = SelectionParams.read(query::get, group == null ? ClusterModel.DEFAULT_ALIAS : group,
                guid.value(), capability == Capability.PUBLISH, false);
        List<Node> nodes = capability == Capability.PUBLISH ? cluster.selectPublish(sel) : cluster.selectSubscribe(sel);
        return nodes.get(0);
    }

    /**
     * Red5 nodes serve WebSocket signalling on the app's context path: {@code ws://node:port/<app>[/<room>]/?...},
     * with the client's parameters as it wrote them, minus the proxy's own.
     */
    private URI upstream(Query query, Node node, String scope) {
        StringBuilder q = new StringBuilder();
        for (Query.Pair p : query.pairs()) {
            if (!PROXY_ONLY.contains(p.key())) {
                q.append(q.length() == 0 ? "?" : "&").append(p.raw());
            }
        }
        try {
            return URI.create("ws://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.wsPort() + "/"
                    + scope + "/" + q);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "malformed query: " + e.getMessage());
        }
    }

    private static String nonEmpty(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> all = new java.util.HashSet<>(base);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }
}
