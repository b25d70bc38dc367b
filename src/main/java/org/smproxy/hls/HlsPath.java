package org.smproxy.hls;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;

/**
 * What an HLS request names: a stream's playlist (the entry a player is given), or a file on a node that a
 * rewritten playlist pointed at, behind a signed token.
 *
 * <pre>
 * entry    {base}/{app}[/{room}...]/{stream}.m3u8
 * routed   {base}/n/{path on the node}?...&amp;route={token}       e.g. {base}/n/live/stream1_12.ts?route=eyJ...
 * </pre>
 *
 * The token rides in the query, not the path, because the path is what players compare: hls.js (1.6 and later)
 * gives up on a live playlist whose segment under a known sequence number changed its URL, ignoring the query. The
 * token is the same all through one signing window, so the whole URL is stable from reload to reload and on every
 * replica; when the window turns, only the query changes.
 */
record HlsPath(StreamGuid stream, String token, String nodePath) {
    static final String ROUTED = "n/";
    /** The query parameter carrying a routed URL's token: the proxy's own, never sent to a node. */
    static final String ROUTE_PARAM = "route";
    /** Only files an HLS player asks for ever go to a node through here. */
    private static final Set<String> EXTENSIONS = Set.of("m3u8", "ts", "m4s", "mp4", "m4a", "m4v", "aac", "ac3", "ec3",
            "vtt", "webvtt", "key", "mp3", "cmfv", "cmfa");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_~@+=-][A-Za-z0-9._~@+=-]*");

    boolean isEntry() {
        return stream != null;
    }

    boolean isPlaylist() {
        return isEntry() || nodePath.endsWith(".m3u8");
    }

    /**
     * @param below the path under the HLS base, without its leading slash
     * @param token the request's {@value #ROUTE_PARAM} parameter, or null
     */
    static HlsPath parse(String below, String token) {
        if (token != null) {
            if (!below.startsWith(ROUTED)) {
                throw new ApiException(404, "'" + ROUTE_PARAM + "' belongs to the file URLs of a rewritten playlist ("
                        + ROUTED + "<path>); a stream's playlist is <app>/<stream>.m3u8");
            }
            String path = below.substring(ROUTED.length());
            checkFile(path);
            return new HlsPath(null, token, "/" + path);
        }
        if (!below.endsWith(".m3u8")) {
            throw new ApiException(404, below.startsWith(ROUTED)
                    ? "this file URL has lost its '" + ROUTE_PARAM + "' token: take it from a fresh playlist"
                    : "expected <app>/<stream>.m3u8");
        }
        return new HlsPath(new StreamGuid(below.substring(0, below.length() - 5)), null, null);
    }

    /** Whether a path names an HLS file at all (by its extension): what decides a GET under the WHEP path. */
    static boolean isHlsFile(String path) {
        int dot = path.lastIndexOf('.');
        return dot > path.lastIndexOf('/') && EXTENSIONS.contains(path.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static void checkFile(String path) {
        if (path.length() > 512) {
            throw new ApiException(400, "path is longer than 512 characters");
        }
        for (String segment : path.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new ApiException(400, "invalid path segment '" + segment + "'");
            }
        }
        int dot = path.lastIndexOf('.');
        String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!EXTENSIONS.contains(ext)) {
            throw new ApiException(404, "not an HLS file: '" + path + "'");
        }
    }
}
