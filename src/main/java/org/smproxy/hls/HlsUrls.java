package org.smproxy.hls;

import java.net.URI;
import java.time.Duration;

import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;

/**
 * The proxy URLs of the files a rewritten playlist names, and the check of those URLs when they come back. A file
 * on a node becomes {@code {base}/n/{path on the node}?{node's query}&{viewer's credentials}&route={token}}, where
 * the token names the node and the folder the file is in, and is signed once per {@code proxy.hls.tokenWindow}.
 *
 * <p>So the same file has the same URL on every reload of the playlist and on every replica sharing
 * {@code proxy.session.secret} for the whole window: players and caches in front of the tier see one URL. When the
 * window turns, only the query changes; hls.js compares segment URLs without their query, and the previous window's
 * URLs stay valid for {@code proxy.session.ttl} past their window, so a player never notices.
 */
final class HlsUrls {
    private final RouteTokens tokens;
    private final Duration window;

    HlsUrls(RouteTokens tokens, Duration window) {
        this.tokens = tokens;
        this.window = window;
    }

    /** What one playlist's rewrite needs: its node, the folder it may reach there, and how its URLs start. */
    final class Signer {
        private final URI playlistUri;
        private final String folder;
        private final String base;
        private final String credentials;
        private final String token;

        private Signer(String nodeId, URI playlistUri, String folder, String base, String credentials) {
            this.playlistUri = playlistUri;
            this.folder = folder;
            this.base = base;
            this.credentials = credentials;
            this.token = tokens.issueStable(new RouteTokens.Route(nodeId, HlsRelay.KIND, folder), window);
        }

        /** The proxy URL of a URI in the playlist, or null for one it must not reach (another host, another folder). */
        String toProxy(URI uri) {
            boolean sameNode = uri.getHost() != null && uri.getHost().equals(playlistUri.getHost())
                    && uri.getPort() == playlistUri.getPort();
            String path = uri.getRawPath();
            if (!sameNode || path == null || !path.startsWith(folder)) {
                return null;
            }
            String query = uri.getRawQuery();
            StringBuilder q = new StringBuilder(query == null ? "" : query);
            if (!credentials.isEmpty()) {
                q.append(q.length() == 0 ? "" : "&").append(credentials);
            }
            q.append(q.length() == 0 ? "" : "&").append(HlsPath.ROUTE_PARAM).append('=').append(token);
            return base + "/" + HlsPath.ROUTED + path.substring(1) + "?" + q;
        }
    }

    /**
     * @param playlistUri the node URL the playlist came from
     * @param folder      the path prefix on the node its files are under ({@code /live/})
     * @param base        the proxy path the request came in under ({@code /as/v1/proxy/hls})
     * @param credentials the viewer's own parameters, carried on so the node authenticates each file like the playlist
     */
    Signer signer(String nodeId, URI playlistUri, String folder, String base, String credentials) {
        return new Signer(nodeId, playlistUri, folder, base, credentials);
    }

    /**
     * The node and folder a routed request's token names, once the token is this tier's, unexpired and covers the
     * path asked for.
     */
    RouteTokens.Route verify(HlsPath routed) {
        RouteTokens.Route r;
        try {
            r = tokens.verify(routed.token(), HlsRelay.KIND);
        } catch (ApiException e) {
            throw e.status() == 404 ? new ApiException(404, "this file URL's token has expired: take the URL from a"
                    + " fresh playlist") : e;
        }
        if (!routed.nodePath().startsWith(r.nodeResource())) {
            throw new ApiException(403, "this playlist's token does not cover " + routed.nodePath());
        }
        return r;
    }
}
