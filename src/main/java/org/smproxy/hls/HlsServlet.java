package org.smproxy.hls;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import javax.servlet.AsyncContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.AsyncIo;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Errors;
import org.smproxy.http.Params;
import org.smproxy.http.SelectionParams;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.UpstreamException;

/**
 * HLS through the proxy, which Red5's Stream Manager does not offer: {@code GET/HEAD {base}/{app}/{stream}.m3u8}
 * picks an edge carrying the stream, and the playlist comes back rewritten so every follow-up request routes itself
 * to that edge from any replica. Everything goes through {@link HlsCache}, so a thousand viewers cost an edge one
 * request per segment. Fully asynchronous, LL-HLS blocking reloads included.
 */
public final class HlsServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(HlsServlet.class);
    static final String KIND = "hls";
    /** The proxy's own parameters; everything else (auth, LL-HLS directives) goes to the node. */
    /** Parameters a rewritten URI keeps so follow-up requests authenticate at the node like the playlist did. */
    private static final List<String> AUTH = List.of("username", "password", "token");

    private final ClusterModel cluster;
    private final EdgePicker edges;
    private final HlsCache cache;
    private final RouteTokens tokens;
    private final ProxyConfig config;

    /** @param cache the server's one HLS cache, shared by both URL families */
    public HlsServlet(ClusterModel cluster, HlsCache cache, RouteTokens tokens, ProxyConfig config) {
        this.cluster = cluster;
        this.edges = new EdgePicker(cluster);
        this.cache = cache;
        this.tokens = tokens;
        this.config = config;
    }

    /** One request and what the steps found out about it. */
    private static final class Call {
        final HttpServletRequest req;
        final HttpServletResponse resp;
        final HlsPath path;
        final String nodeQuery;
        final String base;
        AsyncContext async;
        Node node;
        String prefix;

        Call(HttpServletRequest req, HttpServletResponse resp, HlsPath path, String nodeQuery) {
            this.req = req;
            this.resp = resp;
            this.path = path;
            this.nodeQuery = nodeQuery;
            this.base = req.getContextPath() + req.getServletPath();
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        Call call;
        try {
            if (!"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) {
                resp.setHeader("Allow", "GET, HEAD");
                throw new ApiException(405, "method " + req.getMethod() + " is not allowed (allowed: GET, HEAD)");
            }
            String info = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
            call = new Call(req, resp, HlsPath.parse(info), nodeQuery(req.getQueryString()));
        } catch (RuntimeException e) {
            writeErrorNow(resp, e);
            return;
        }
        call.async = req.startAsync();
        call.async.setTimeout(0);
        fetch(call, true).whenComplete((entry, failure) -> {
            try {
                if (failure == null) {
                    respond(call, entry);
                } else {
                    fail(call, failure);
                }
            } catch (RuntimeException e) {
                log.error("{}: writing the answer failed", req.getRequestURI(), e);
                call.async.complete();
            }
        });
    }

    /** The node's object for this call; an entry playlist whose edge is down is asked once of another edge. */
    private CompletableFuture<HlsCache.Entry> fetch(Call call, boolean mayRetry) {
        URI url;
        try {
            url = route(call);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        HlsCache.Key key = new HlsCache.Key(call.node.id(), url, call.path.isPlaylist());
        return cache.get(key, call.node.address()).handle((entry, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(entry);
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof UpstreamException && ((UpstreamException) cause).kind() != UpstreamException.Kind.BAD_RESPONSE) {
                edges.failed(call.node);
                if (mayRetry && call.path.isEntry()) {
                    log.warn("HLS {}: {}; trying another edge", call.req.getRequestURI(), cause.getMessage());
                    return fetch(call, false);
                }
            }
            return CompletableFuture.<HlsCache.Entry>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** Decides the node and its URL: the viewer's edge for an entry playlist, the token's node for the rest. */
    private URI route(Call call) {
        String path;
        if (call.path.isEntry()) {
            String group = Params.first(call.req, "nodeGroup");
            SelectionRequest sel = SelectionParams.read(call.req::getParameter, group != null ? group
                    : call.base.startsWith("/streammanager") ? cluster.sm1GroupName() : ClusterModel.DEFAULT_ALIAS,
                    call.path.stream().value(), false, false);
            call.node = edges.pick(sel, call.req.getRemoteAddr() + "|" + call.path.stream());
            path = "/" + call.path.stream().value() + ".m3u8";
            call.prefix = "/" + call.path.stream().scope() + "/";
        } else {
            RouteTokens.Route r = tokens.verify(call.path.token(), KIND);
            if (!call.path.nodePath().startsWith(r.nodeResource())) {
                throw new ApiException(403, "this playlist's token does not cover " + call.path.nodePath());
            }
            call.node = cluster.findById(r.nodeId()).filter(Node::servesExistingSessions).orElseThrow(() -> new ApiException(404,
                    "the edge this playlist came from has left the cluster: reload the stream's playlist"));
            path = call.path.nodePath();
            call.prefix = r.nodeResource();
        }
        return URI.create("http://" + call.node.upstreamHost(config.usePrivateAddress()) + ":" + call.node.httpPort() + path
                + (call.nodeQuery.isEmpty() ? "" : "?" + call.nodeQuery));
    }

    private void respond(Call call, HlsCache.Entry entry) {
        HttpServletResponse resp = call.resp;
        boolean playlist = call.path.isPlaylist();
        resp.setHeader("ETag", entry.etag());
        resp.setHeader("Cache-Control", playlist ? "no-cache"
                : "public, max-age=" + config.hls().segmentTtl().toSeconds());
        String type = entry.contentType() != null ? entry.contentType() : typeOf(call);
        resp.setContentType(type);
        String inm = call.req.getHeader("If-None-Match");
        if (inm != null && (inm.equals(entry.etag()) || inm.equals("*"))) {
            resp.setStatus(304);
            call.async.complete();
            return;
        }
        byte[] body = playlist ? rewrite(call, entry) : entry.body();
        int from = 0;
        int to = body.length - 1;
        resp.setHeader("Accept-Ranges", playlist ? "none" : "bytes");
        String range = playlist ? null : call.req.getHeader("Range");
        if (range != null && range.startsWith("bytes=") && !range.contains(",")) {
            long[] r = parseRange(range.substring(6), body.length);
            if (r == null) {
                resp.setHeader("Content-Range", "bytes */" + body.length);
                fail(call, new ApiException(416, "range " + range + " is outside the " + body.length + " bytes"));
                return;
            }
            from = (int) r[0];
            to = (int) r[1];
            resp.setStatus(206);
            resp.setHeader("Content-Range", "bytes " + from + "-" + to + "/" + body.length);
        } else {
            resp.setStatus(200);
        }
        int length = to - from + 1;
        resp.setContentLength(length);
        if ("HEAD".equals(call.req.getMethod())) {
            call.async.complete();
            return;
        }
        byte[] out = from == 0 && length == body.length ? body : java.util.Arrays.copyOfRange(body, from, to + 1);
        AsyncIo.writeAndComplete(call.async, out);
    }

    /** Every URI on the edge, under the playlist's own folder, becomes a proxy URL carrying a token for that edge. */
    private byte[] rewrite(Call call, HlsCache.Entry entry) {
        Node node = call.node;
        String token = tokens.issue(new RouteTokens.Route(node.id(), KIND, call.prefix));
        String auth = authSuffix(call.req);
        URI playlistUri = URI.create("http://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.httpPort()
                + (call.path.isEntry() ? "/" + call.path.stream().value() + ".m3u8" : call.path.nodePath()));
        String text = new String(entry.body(), StandardCharsets.UTF_8);
        String rewritten = PlaylistRewriter.rewrite(text, playlistUri, uri -> {
            boolean sameNode = uri.getHost() != null && uri.getHost().equals(playlistUri.getHost())
                    && uri.getPort() == playlistUri.getPort();
            String path = uri.getRawPath();
            if (!sameNode || path == null || !path.startsWith(call.prefix)) {
                return null;
            }
            String query = uri.getRawQuery();
            StringBuilder q = new StringBuilder(query == null ? "" : query);
            if (!auth.isEmpty()) {
                q.append(q.length() == 0 ? "" : "&").append(auth);
            }
            return call.base + "/" + HlsPath.ROUTED + token + path + (q.length() == 0 ? "" : "?" + q);
        });
        return rewritten.getBytes(StandardCharsets.UTF_8);
    }

    private static String authSuffix(HttpServletRequest req) {
        StringBuilder s = new StringBuilder();
        String raw = req.getQueryString();
        if (raw == null) {
            return "";
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (AUTH.contains(key)) {
                s.append(s.length() == 0 ? "" : "&").append(pair);
            }
        }
        return s.toString();
    }

    /** The client's query for the node, as the client wrote it, minus the proxy's own parameters. */
    private static String nodeQuery(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "";
        }
        if (raw.length() > 4096) {
            throw new ApiException(414, "query string is longer than 4096 characters");
        }
        StringBuilder q = new StringBuilder();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key;
            try {
                key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "malformed query parameter");
            }
            if (!pair.isEmpty() && !SelectionParams.PROXY_ONLY.contains(key)) {
                q.append(q.length() == 0 ? "" : "&").append(pair);
            }
        }
        return q.toString();
    }

    private static long[] parseRange(String spec, int size) {
        try {
            int dash = spec.indexOf('-');
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            long from;
            long to;
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                from = Math.max(0, size - suffix);
                to = size - 1;
            } else {
                from = Long.parseLong(a);
                to = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            }
            return from > to || from >= size ? null : new long[] {from, to};
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String typeOf(Call call) {
        String p = call.path.isEntry() ? ".m3u8" : call.path.nodePath().toLowerCase(Locale.ROOT);
        if (p.endsWith(".m3u8")) {
            return "application/vnd.apple.mpegurl";
        }
        if (p.endsWith(".ts")) {
            return "video/mp2t";
        }
        if (p.endsWith(".vtt") || p.endsWith(".webvtt")) {
            return "text/vtt";
        }
        return p.endsWith(".aac") ? "audio/aac" : "video/mp4";
    }

    private void fail(Call call, Throwable failure) {
        HttpServletResponse resp = call.resp;
        Throwable cause = failure.getCause() != null && !(failure instanceof ApiException) ? failure.getCause() : failure;
        if (cause instanceof HlsCache.NodeStatus) {
            HlsCache.NodeStatus ns = (HlsCache.NodeStatus) cause;
            resp.setStatus(ns.status);
            if (ns.contentType != null) {
                resp.setContentType(ns.contentType);
            }
            resp.setHeader("Cache-Control", "no-store");
            resp.setContentLength(ns.body.length);
            AsyncIo.writeAndComplete(call.async, ns.body);
            return;
        }
        ApiException e = Errors.toApi(cause);
        if (e.status() >= 500) {
            log.warn("HLS {}: {} ({})", call.req.getRequestURI(), e.getMessage(), e.status());
        }
        AsyncIo.writeAndComplete(call.async, Errors.prepare(resp, e));
    }

    private static void writeErrorNow(HttpServletResponse resp, RuntimeException failure) {
        try {
            Errors.write(resp, ErrorDialect.SM2, failure, System.currentTimeMillis());
        } catch (java.io.IOException e) {
            log.debug("client went away before its error: {}", e.toString());
        }
    }

}
