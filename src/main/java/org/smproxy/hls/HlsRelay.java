package org.smproxy.hls;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Failures;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeLeg;
import org.smproxy.http.Query;
import org.smproxy.http.RelayLog;
import org.smproxy.http.RelayMetrics;
import org.smproxy.http.RouteTokens;
import org.smproxy.http.SelectionParams;
import org.smproxy.http.UpstreamException;

/**
 * HLS through the proxy, which Red5's Stream Manager does not offer: {@code GET/HEAD {base}/{app}/{stream}.m3u8}
 * picks an edge carrying the stream, and the playlist comes back rewritten so every follow-up request routes itself
 * to that edge from any replica. Everything goes through {@link HlsCache}, so a thousand viewers cost an edge one
 * request per segment. Fully asynchronous, LL-HLS blocking reloads included. Knows no container: both servers
 * route here.
 */
public final class HlsRelay implements Endpoint {
    private static final Logger log = LoggerFactory.getLogger(HlsRelay.class);
    static final String KIND = "hls";
    /** Parameters a rewritten URI keeps so follow-up requests authenticate at the node like the playlist did. */
    private static final List<String> AUTH = List.of("username", "password", "token");

    private final ClusterModel cluster;
    private final EdgePicker edges;
    private final HlsCache cache;
    private final HlsUrls urls;
    private final ProxyConfig config;
    private final RelayMetrics metrics;
    private final String playlistCacheControl;
    private final String segmentCacheControl;

    /** @param cache the server's one HLS cache, shared by both URL families */
    public HlsRelay(ClusterModel cluster, HlsCache cache, RouteTokens tokens, ProxyConfig config, RelayMetrics metrics) {
        this.metrics = metrics;
        this.cluster = cluster;
        this.edges = new EdgePicker(cluster);
        this.cache = cache;
        this.urls = new HlsUrls(tokens, config.hls().tokenWindow());
        this.config = config;
        // HTTP counts whole seconds: a sub-second playlist age rounds up, so a cache in front of the proxy holds a
        // live playlist about as long as the proxy's own cache does; zero keeps it from being stored stale.
        long playlistSeconds = (config.hls().playlistMaxAge().toMillis() + 999) / 1000;
        this.playlistCacheControl = playlistSeconds == 0 ? "no-cache" : "public, max-age=" + playlistSeconds;
        // a node writes a segment once and never rewrites it under the same name while it is in the window
        this.segmentCacheControl = "public, max-age=" + config.hls().segmentTtl().toSeconds() + ", immutable";
    }

    /** One request and what the steps found out about it. */
    private static final class Call {
        final HttpIn in;
        final HlsPath path;
        final Query query;
        final String nodeQuery;
        /** The path up to the HLS mapping ({@code /as/v1/proxy/hls}): rewritten URIs start with it. */
        final String base;
        final String requestId;
        final long startNanos = System.nanoTime();
        Node node;
        String prefix;

        Call(HttpIn in, String below, Query query, String base, String requestId) {
            this.requestId = requestId;
            this.in = in;
            this.path = HlsPath.parse(below, query.get(HlsPath.ROUTE_PARAM));
            this.query = query;
            this.nodeQuery = join(query, true);
            this.base = base;
        }

        String describe() {
            return in.describe();
        }

        void log(RelayLog.Level level, int status, String message, Object... args) {
            RelayLog.log(log, level, requestId, in, node == null ? null : node.id(), status,
                    (System.nanoTime() - startNanos) / 1_000_000, message, args);
        }
    }

    @Override
    public int maxBodyBytes() {
        return 0; // GET and HEAD only
    }

    /** Whether a path below another relay's mapping is an HLS file this relay should answer instead. */
    public static boolean servesFile(String path) {
        return HlsPath.isHlsFile(path);
    }

    @Override
    public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
        long start = System.nanoTime();
        String requestId = RelayLog.requestId(in);
        return answer(in, path, within, requestId).thenApply(out -> {
            out.header(RelayLog.HEADER, requestId);
            // the method a client sent is not a label: only the two served
            metrics.record(KIND, "GET".equals(in.method()) || "HEAD".equals(in.method()) ? in.method() : "other",
                    out.status(), start);
            return out;
        });
    }

    private CompletableFuture<HttpOut> answer(HttpIn in, String path, String within, String requestId) {
        Call call;
        try {
            if (!"GET".equals(in.method()) && !"HEAD".equals(in.method())) {
                throw ApiException.methodNotAllowed(in.method(), "GET, HEAD");
            }
            String info = within == null ? "" : within.substring(1);
            String base = within == null ? path : path.substring(0, path.length() - within.length());
            call = new Call(in, info, Query.parse(in.rawQuery()), base, requestId);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(refuse(in, e));
        }
        return fetch(call, true).handle((entry, failure) -> {
            try {
                return failure == null ? respond(call, entry) : fail(call, failure);
            } catch (RuntimeException e) {
                return fail(call, e);
            }
        });
    }

    @Override
    public HttpOut refuse(HttpIn in, Throwable failure) {
        return HttpOut.error(Failures.toApi(failure), ErrorDialect.SM2, System.currentTimeMillis());
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
        return cache.get(key, call.node.address(), call.requestId).handle((entry, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(entry);
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof UpstreamException u) {
                metrics.nodeError(KIND, call.node.id());
                if (u.kind() != UpstreamException.Kind.BAD_RESPONSE) {
                    edges.failed(call.node);
                    if (mayRetry && call.path.isEntry()) {
                        metrics.failover(KIND);
                        call.log(RelayLog.Level.WARN, 0, "HLS {}: {}; trying another edge", call.describe(),
                                cause.getMessage());
                        return fetch(call, false);
                    }
                }
            }
            return CompletableFuture.<HlsCache.Entry>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** Decides the node and its URL: the viewer's edge for an entry playlist, the token's node for the rest. */
    private URI route(Call call) {
        String path;
        if (call.path.isEntry()) {
            String group = call.query.get("nodeGroup");
            SelectionRequest sel = SelectionParams.read(call.query::get, group != null && !group.isEmpty() ? group
                    : call.base.startsWith("/streammanager") ? cluster.sm1GroupName() : ClusterModel.DEFAULT_ALIAS,
                    call.path.stream().value(), false, false);
            call.node = edges.pick(sel, call.in.remoteAddress() + "|" + call.path.stream());
            path = "/" + call.path.stream().value() + ".m3u8";
            call.prefix = "/" + call.path.stream().scope() + "/";
        } else {
            RouteTokens.Route r = urls.verify(call.path);
            call.node = cluster.findById(r.nodeId()).filter(Node::servesExistingSessions).orElseThrow(() -> new ApiException(404,
                    "the edge this playlist came from has left the cluster: reload the stream's playlist"));
            path = call.path.nodePath();
            call.prefix = r.nodeResource();
        }
        return URI.create("http://" + call.node.upstreamHost(config.usePrivateAddress()) + ":" + call.node.httpPort() + path
                + (call.nodeQuery.isEmpty() ? "" : "?" + call.nodeQuery));
    }

    private HttpOut respond(Call call, HlsCache.Entry entry) {
        boolean playlist = call.path.isPlaylist();
        String type = entry.contentType() != null ? entry.contentType() : typeOf(call);
        // A playlist's tag is that of the bytes served, since its URLs are ours: the node's tag stays the same when
        // the signing window turns, and a player answered 304 then would keep URLs that later expire.
        byte[] body = playlist ? rewrite(call, entry) : entry.body();
        String etag = playlist ? etagOf(body) : entry.etag();
        String cacheControl = playlist ? playlistCacheControl : segmentCacheControl;
        String inm = call.in.header("If-None-Match");
        if (inm != null && (inm.equals(etag) || inm.equals("*"))) {
            return new HttpOut(304).header("ETag", etag).header("Cache-Control", cacheControl);
        }
        String range = playlist ? null : call.in.header("Range");
        if (range != null && range.startsWith("bytes=") && !range.contains(",")) {
            long[] r = parseRange(range.substring(6), body.length);
            if (r == null) {
                return fail(call, new ApiException(416, "range " + range + " is outside the " + body.length + " bytes"))
                        .header("Content-Range", "bytes */" + body.length);
            }
            int from = (int) r[0];
            int to = (int) r[1];
            return headers(new HttpOut(206), etag, cacheControl, type, "bytes")
                    .header("Content-Range", "bytes " + from + "-" + to + "/" + body.length)
                    .body(served(java.util.Arrays.copyOfRange(body, from, to + 1)));
        }
        return headers(new HttpOut(200), etag, cacheControl, type, playlist ? "none" : "bytes").body(served(body));
    }

    private byte[] served(byte[] body) {
        cache.served(body.length);
        return body;
    }

    private static HttpOut headers(HttpOut out, String etag, String cacheControl, String type, String ranges) {
        return out.header("ETag", etag).header("Cache-Control", cacheControl).header("Content-Type", type)
                .header("Accept-Ranges", ranges);
    }

    private static String etagOf(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return "\"" + Long.toHexString(crc.getValue()) + "-" + body.length + "\"";
    }

    /** Every URI on the edge, under the playlist's own folder, becomes a proxy URL that routes itself there. */
    private byte[] rewrite(Call call, HlsCache.Entry entry) {
        Node node = call.node;
        URI playlistUri = URI.create("http://" + node.upstreamHost(config.usePrivateAddress()) + ":" + node.httpPort()
                + (call.path.isEntry() ? "/" + call.path.stream().value() + ".m3u8" : call.path.nodePath()));
        HlsUrls.Signer signer = urls.signer(node.id(), playlistUri, call.prefix, call.base, join(call.query, false));
        String text = new String(entry.body(), StandardCharsets.UTF_8);
        return PlaylistRewriter.rewrite(text, playlistUri, signer::toProxy).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The client's pairs as written: for the node ({@code forNode}: all but the proxy's own parameters), or the
     * credentials a rewritten URI carries on.
     */
    private static String join(Query query, boolean forNode) {
        StringBuilder q = new StringBuilder();
        for (Query.Pair p : query.pairs()) {
            boolean take = forNode ? !SelectionParams.PROXY_ONLY.contains(p.key()) && !HlsPath.ROUTE_PARAM.equals(p.key())
                    : AUTH.contains(p.key());
            if (take) {
                q.append(q.length() == 0 ? "" : "&").append(p.raw());
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

    /** A node's own refusal passes through with its status and body; the proxy's failures get the one map. */
    private HttpOut fail(Call call, Throwable failure) {
        Throwable cause = failure.getCause() != null && !(failure instanceof ApiException) ? failure.getCause() : failure;
        if (cause instanceof HlsCache.NodeStatus ns) {
            HttpOut out = new HttpOut(ns.status).header("Cache-Control", "no-store").body(ns.body);
            return ns.contentType == null ? out : out.header("Content-Type", ns.contentType);
        }
        ApiException e = Failures.toApi(cause);
        if (e.status() >= 500) {
            call.log(RelayLog.Level.WARN, e.status(), "HLS {}: {} ({})", call.describe(), e.getMessage(), e.status());
        }
        return HttpOut.error(e, ErrorDialect.SM2, System.currentTimeMillis());
    }
}
