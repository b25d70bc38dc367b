package org.smproxy.hls;

import java.net.URI;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an HLS playlist so every URI in it (segments, parts, maps, keys, variant and rendition playlists, preload
 * hints, rendition reports) comes back through the proxy. Pure: the caller says how a node URI becomes a proxy URI;
 * URIs it declines (another host, e.g. a CDN) stay as they are.
 */
final class PlaylistRewriter {
    private static final Pattern URI_ATTRIBUTE = Pattern.compile("URI=\"([^\"]*)\"");

    private PlaylistRewriter() {
    }

    /**
     * @param playlistUri the node URL the playlist came from, which relative URIs are resolved against
     * @param toProxy     a node URI to the proxy URI to put in its place, or null to leave it alone
     */
    static String rewrite(String playlist, URI playlistUri, Function<URI, String> toProxy) {
        StringBuilder out = new StringBuilder(playlist.length() + 512);
        for (String line : playlist.split("\r?\n", -1)) {
            String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                out.append(line);
            } else if (trimmed.startsWith("#")) {
                Matcher m = URI_ATTRIBUTE.matcher(line);
                StringBuilder tag = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(tag, Matcher.quoteReplacement("URI=\"" + map(m.group(1), playlistUri, toProxy) + "\""));
                }
                m.appendTail(tag);
                out.append(tag);
            } else {
                out.append(map(trimmed, playlistUri, toProxy));
            }
            out.append('\n');
        }
        out.setLength(out.length() - 1); // split kept the final piece; no newline of our own after it
        return out.toString();
    }

    private static String map(String uri, URI base, Function<URI, String> toProxy) {
        URI resolved;
        try {
            resolved = base.resolve(uri);
        } catch (IllegalArgumentException e) {
            return uri; // not a URI we understand: the player will fail on it as it would without us
        }
        String proxied = toProxy.apply(resolved);
        return proxied == null ? uri : proxied;
    }
}
