package org.smproxy.ws;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;

import org.smproxy.cluster.Capability;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.ErrorDialect;
import org.smproxy.servlet.Errors;
import org.smproxy.http.Params;
import org.smproxy.http.SelectionParams;

/**
 * Runs before the WebSocket upgrade (ahead of Tomcat's own filter), so that a bad request gets an HTTP status and a
 * JSON reason instead of a socket that opens and closes: checks origin, the per-address session cap and the query,
 * picks the node (a client's {@code host} checked against the cluster model), and passes the decision to the
 * endpoint in internal headers that clients cannot forge (any such incoming headers are dropped).
 *
 * <pre>
 * SM 1.x  wss://sm/streammanager/?id=..&amp;host=&lt;node&gt;&amp;app=live[&amp;context=room][&amp;username=..]   (proxy.enabled=true)
 * SM 2.0  wss://sm/as/v1/proxy/ws/{publish|subscribe}/{app}[/{room}]/{stream}?id=..&amp;(host=..|nodeGroup=..)
 * </pre>
 */
public final class WsUpgradeFilter implements Filter {
    static final String SM2_PREFIX = "/v1/proxy/ws/";
    /** The proxy's own parameters; the rest go to the node as the client wrote them. */
    private static final Set<String> PROXY_ONLY = union(SelectionParams.PROXY_ONLY, "app", "context");

    private final boolean sm1;
    private final ClusterModel cluster;
    private final SessionRegistry registry;
    private final ProxyConfig config;

    public WsUpgradeFilter(boolean sm1, ClusterModel cluster, SessionRegistry registry, ProxyConfig config) {
        this.sm1 = sm1;
        this.cluster = cluster;
        this.registry = registry;
        this.config = config;
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
        boolean ours = sm1 ? "/".equals(path) || path.isEmpty() : path.startsWith(SM2_PREFIX);
        String upgrade = req.getHeader("Upgrade");
        if (!ours || upgrade == null || !"websocket".equals(upgrade.toLowerCase(Locale.ROOT))) {
            chain.doFilter(request, response);
            return;
        }
        try {
            WsTarget target = decide(req, path);
            chain.doFilter(new TargetRequest(req, target), response);
        } catch (RuntimeException e) {
            Errors.write((HttpServletResponse) response, sm1 ? ErrorDialect.SM1 : ErrorDialect.SM2, e, cluster.nowMillis());
        }
    }

    private WsTarget decide(HttpServletRequest req, String path) {
        if (sm1 && !config.wsProxyEnabled()) {
            throw new ApiException(404, "the WebSocket proxy is disabled on this server (proxy.enabled=false)");
        }
        String origin = req.getHeader("Origin");
        List<String> allowed = config.relay().allowedOrigins();
        if (origin != null && !allowed.contains("*") && !allowed.contains(origin)) {
            throw new ApiException(403, "origin " + origin + " is not allowed (proxy.cors.allowedOrigins)");
        }
        if (registry.countFrom(req.getRemoteAddr()) >= config.webSocket().maxSessionsPerAddress()) {
            throw new ApiException(429, "too many WebSocket sessions from " + req.getRemoteAddr()
                    + " (proxy.ws.maxSessionsPerAddress=" + config.webSocket().maxSessionsPerAddress() + ")");
        }
        String host = Params.first(req::getParameter, "host");
        String scope;
        String label;
        Node node;
        if (sm1) {
            String app = Params.first(req::getParameter, "app");
            if (host == null || app == null) {
                throw new ApiException(400, "the SM 1.x WebSocket proxy needs host=<node> and app=<scope>"
                        + " (from the event API's serverAddress and scope)");
            }
            String context = Params.first(req::getParameter, "context");
            scope = app + (context == null ? "" : "/" + context);
            StreamGuid.of(scope, "x"); // the same rules as stream names: no "..", no odd characters
            node = byHost(host, null);
            label = Params.first(req::getParameter, "id") == null ? scope : Params.first(req::getParameter, "id");
        } else {
            String rest = path.substring(SM2_PREFIX.length());
            int slash = rest.indexOf('/');
            String action = slash < 0 ? rest : rest.substring(0, slash);
            if (!"publish".equals(action) && !"subscribe".equals(action)) {
                throw new ApiException(404, "expected /as/v1/proxy/ws/publish/<app>/<stream> or .../subscribe/...");
            }
            StreamGuid guid = new StreamGuid(rest.substring(slash + 1));
            Capability capability = "publish".equals(action) ? Capability.PUBLISH : Capability.SUBSCRIBE;
            node = host != null ? byHost(host, capability) : select(req, guid, capability);
            scope = guid.scope();
            label = guid.value();
        }
        return new WsTarget(node.id(), node.address(), upstream(req, node, scope), label, scope, req.getRemoteAddr(),
                req.getRemotePort(), req.isSecure(), req.getHeader("User-Agent"));
    }

    private Node byHost(String host, Capability capability) {
        Node node = cluster.findByAddress(host).orElseThrow(() -> new ApiException(400,
                "host '" + host + "' is not a node of this cluster"));
        boolean fits = capability == null ? node.role().can(Capability.PUBLISH) || node.role().can(Capability.SUBSCRIBE)
                : node.role().can(capability);
        if (!fits) {
            throw new ApiException(400, "node " + node.address() + " is an " + node.role().wireName()
                    + " and takes no " + (capability == null ? "clients" : capability.name().toLowerCase(Locale.ROOT) + "ers"));
        }
        return node.requireAvailable(false);
    }

    private Node select(HttpServletRequest req, StreamGuid guid, Capability capability) {
        String group = Params.first(req::getParameter, "nodeGroup");
        SelectionRequest sel = SelectionParams.read(req::getParameter, group == null ? ClusterModel.DEFAULT_ALIAS : group,
                guid.value(), capability == Capability.PUBLISH, false);
        List<Node> nodes = capability == Capability.PUBLISH ? cluster.selectPublish(sel) : cluster.selectSubscribe(sel);
        return nodes.get(0);
    }

    /** Red5 nodes serve WebSocket signalling on the app's context path: {@code ws://node:port/<app>[/<room>]/?...}. */
    private java.net.URI upstream(HttpServletRequest req, Node node, String scope) {
        StringBuilder q = new StringBuilder();
        Map<String, String[]> params = req.getParameterMap();
        for (Map.Entry<String, String[]> p : params.entrySet()) {
            if (PROXY_ONLY.contains(p.getKey())) {
                continue;
            }
            for (String v : p.getValue()) {
                q.append(q.length() == 0 ? "?" : "&").append(enc(p.getKey())).append('=').append(enc(v));
            }
        }
        return java.net.URI.create("ws://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.wsPort() + "/"
                + scope + "/" + q);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The handshake as the endpoint will see it: the decision added, any client-sent lookalikes removed. */
    private static final class TargetRequest extends HttpServletRequestWrapper {
        private final Map<String, String> added = new HashMap<>();

        TargetRequest(HttpServletRequest req, WsTarget t) {
            super(req);
            added.put(WsTarget.NODE.toLowerCase(Locale.ROOT), t.nodeId());
            added.put(WsTarget.NODE_ADDRESS.toLowerCase(Locale.ROOT), t.nodeAddress());
            added.put(WsTarget.UPSTREAM.toLowerCase(Locale.ROOT), t.upstream().toString());
            added.put(WsTarget.LABEL.toLowerCase(Locale.ROOT), t.label());
            added.put(WsTarget.APP.toLowerCase(Locale.ROOT), t.app());
            added.put(WsTarget.CLIENT.toLowerCase(Locale.ROOT), t.clientAddress() + "|" + t.clientPort());
            added.put(WsTarget.SECURE.toLowerCase(Locale.ROOT), String.valueOf(t.secure()));
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

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> all = new java.util.HashSet<>(base);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }
}
