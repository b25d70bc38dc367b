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
 * routed   {base}/n/{token}/{path on the node}       e.g. {base}/n/eyJ.../live/stream1_12.ts
 * </pre>
 */
record HlsPath(StreamGuid stream, String token, String nodePath) {
    static final String ROUTED = "n/";
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

    /** @param below the path under the HLS base, without its leading slash */
    static HlsPath parse(String below) {
        if (below.startsWith(ROUTED)) {
            int slash = below.indexOf('/', ROUTED.length());
            if (slash < 0) {
                throw new ApiException(404, "expected " + ROUTED + "<token>/<path>");
            }
            String path = below.substring(slash + 1);
            checkFile(path);
            return new HlsPath(null, below.substring(ROUTED.length(), slash), "/" + path);
        }
        if (!below.endsWith(".m3u8")) {
            throw new ApiException(404, "expected <app>/<stream>.m3u8");
        }
        return new HlsPath(new StreamGuid(below.substring(0, below.length() - 5)), null, null);
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
