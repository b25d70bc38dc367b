package org.smproxy.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

import org.smproxy.http.Query;

/**
 * Red5's cluster auth on a node's own HTTP API (the SocialPusher and the other servlets of its cluster plugin): the
 * URL carries {@code action}, {@code timestamp} (milliseconds since the epoch) and {@code signature}, the SHA-256 of
 * the UTF-8 string {@code action + timestamp + clusterPassword} in lowercase hex, two digits a byte.
 *
 * <p>Sources: Red5's "Social Media Rest API" page (red5.net/docs/development/social-media-plugin/rest-api/, the
 * standalone URI) and its testbed's {@code createSignature} (red5pro/streaming-html5,
 * src/page/test/publishSocialPusher/index.js, leading zeros kept since RPRO-8672). That SM 2.0's
 * {@code digestAction} signs the same way is an assumption: the Stream Manager's source is not public.
 */
final class ClusterDigest {
    private static final Set<String> SIGNED = Set.of("action", "timestamp", "signature");

    private ClusterDigest() {
    }

    static String signature(String action, long timestampMillis, String clusterPassword) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((action + timestampMillis + clusterPassword).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A node URL's query, signed: the three parameters the client may have written there give way to ours. */
    static String sign(String rawQuery, String action, long timestampMillis, String clusterPassword) {
        StringBuilder q = new StringBuilder();
        for (Query.Pair p : Query.parse(rawQuery).pairs()) {
            if (!SIGNED.contains(p.key())) {
                q.append(p.raw()).append('&');
            }
        }
        return q.append("action=").append(URLEncoder.encode(action, StandardCharsets.UTF_8))
                .append("&timestamp=").append(timestampMillis)
                .append("&signature=").append(signature(action, timestampMillis, clusterPassword)).toString();
    }
}
