package org.smproxy.netty;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.FullHttpRequest;

import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;

/**
 * A client's WHIP/WHEP request as the relay reads it: which kind, which stream or session token, the query as the
 * client wrote it. Built and used on the client connection's event loop only.
 */
final class RelayRequest {
    /** Parameters that steer the proxy and mean nothing to a node (as the servlet relay's Exchange). */
    static final Set<String> PROXY_ONLY = Set.of("host", "nodeGroup", "region", "subgroup", "subGroup", "strict", "transcode");
    static final String PREFIX = "/as/v1/proxy/";
    static final String SDP = "application/sdp";
    static final String SDP_FRAG = "application/trickle-ice-sdpfrag";
    private static final int MAX_QUERY = 4096;

    enum Kind {
        WHIP("whip"), WHEP("whep");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    final FullHttpRequest clientToProxy;
    final String method;
    final Kind kind;
    /** Null for a session resource URL. */
    final StreamGuid stream;
    /** The signed session token of a resource URL, else null. */
    final String token;
    /** The query as raw {@code key=value} pairs, keys decoded for matching. */
    final List<String[]> query;
    final long startNanos = System.nanoTime();

    private RelayRequest(FullHttpRequest req, Kind kind, StreamGuid stream, String token, List<String[]> query) {
        this.clientToProxy = req;
        this.method = req.method().name();
        this.kind = kind;
        this.stream = stream;
        this.token = token;
        this.query = query;
    }

    static RelayRequest parse(FullHttpRequest req) {
        String method = req.method().name();
        switch (method) {
            case "OPTIONS": case "POST": case "PATCH": case "DELETE": break;
            default: throw new ApiException(405, "method " + method + " is not allowed (allowed: OPTIONS, POST, PATCH, DELETE)");
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        List<String[]> query = parseQuery(q < 0 ? null : uri.substring(q + 1));
        String path = decodePath(rawPath);
        if (!path.startsWith(PREFIX)) {
            throw new ApiException(404, "this listener serves only /as/v1/proxy/whip/... and /as/v1/proxy/whep/...");
        }
        String below = path.substring(PREFIX.length());
        int slash = below.indexOf('/');
        String word = slash < 0 ? "" : below.substring(0, slash);
        Kind kind = "whip".equals(word) ? Kind.WHIP : "whep".equals(word) ? Kind.WHEP : null;
        if (kind == null) {
            throw new ApiException(404, "expected /as/v1/proxy/whip/<app>/<stream> or /as/v1/proxy/whep/<app>/<stream>");
        }
        String rest = below.substring(slash + 1);
        if (rest.startsWith("resource/") && rest.indexOf('/', 9) < 0 && rest.length() > 9) {
            return new RelayRequest(req, kind, null, rest.substring(9), query);
        }
        return new RelayRequest(req, kind, new StreamGuid(rest), null, query);
    }

    /** As a servlet container: %XX decoded, but an encoded slash or backslash, which would move segments, refused. */
    private static String decodePath(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c")) {
            throw new ApiException(400, "encoded '/' or '\\' in the path is not allowed");
        }
        try {
            return new URI("http://x" + raw).getPath();
        } catch (java.net.URISyntaxException e) {
            throw new ApiException(400, "malformed path");
        }
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
            if (PROXY_ONLY.contains(p[0]) || (alreadyOnNodeUrl != null && hasKey(alreadyOnNodeUrl, p[0]))) {
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

    /** Refuses what no node should see: wrong content types, empty or garbage SDP (the servlet relay's rules). */
    void checkBody() {
        String type = mediaType(clientToProxy.headers().get("Content-Type"));
        int length = clientToProxy.content().readableBytes();
        if ("POST".equals(method)) {
            if (length == 0 && kind == Kind.WHEP) {
                return; // Red5's server-offer WHEP: an empty POST asks the node for its offer
            }
            if (!SDP.equals(type)) {
                throw new ApiException(415, "Content-Type must be " + SDP + ", not '" + (type == null ? "(none)" : type) + "'");
            }
            requireSdp(true);
        } else if ("PATCH".equals(method)) {
            if (!SDP.equals(type) && !SDP_FRAG.equals(type)) {
                throw new ApiException(415, "PATCH needs Content-Type " + SDP + " (an answer) or " + SDP_FRAG
                        + " (trickle ICE), not '" + type + "'");
            }
            requireSdp(SDP.equals(type));
        }
    }

    private void requireSdp(boolean fullDescription) {
        if (clientToProxy.content().readableBytes() == 0) {
            throw new ApiException(400, "the body is empty: expected " + (fullDescription ? "an SDP" : "an SDP fragment"));
        }
        String text = clientToProxy.content().toString(StandardCharsets.UTF_8);
        if (text.indexOf('\0') >= 0 || text.indexOf('\uFFFD') >= 0) {
            throw new ApiException(400, "the body is not SDP text");
        }
        String trimmed = text.stripLeading();
        boolean looksRight = fullDescription ? trimmed.startsWith("v=0") && text.contains("\nm=")
                : trimmed.startsWith("a=") || trimmed.startsWith("m=");
        if (!looksRight) {
            throw new ApiException(400, fullDescription ? "the body is not an SDP session description (v=0 ... m=)"
                    : "the body is not an SDP fragment (a=ice-ufrag, a=candidate, ...)");
        }
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** For logs: method and path, never the query (it can carry passwords and tokens). */
    String describe() {
        int q = clientToProxy.uri().indexOf('?');
        return method + " " + (q < 0 ? clientToProxy.uri() : clientToProxy.uri().substring(0, q));
    }
}
