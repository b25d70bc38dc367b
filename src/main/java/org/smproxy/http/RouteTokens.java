package org.smproxy.http;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * URLs that route themselves: a WHIP/WHEP session's resource URL, or an HLS playlist's segment URLs, carry a signed
 * token naming the node and where on it, so any proxy replica holding the same secret can relay them, with no shared
 * state. A forged or altered token fails verification and never reaches a node.
 */
public final class RouteTokens {
    private static final Logger log = LoggerFactory.getLogger(RouteTokens.class);
    private static final Pattern JWT_SHAPE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final String ISSUER = "smproxy";

    /**
     * What a token says: which node, for what ({@code whip}, {@code whep}, {@code hls}), and where on that node (a
     * session's resource, or the path prefix HLS requests may ask for).
     */
    public record Route(String nodeId, String kind, String nodeResource) {
    }

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public RouteTokens(String secret, Duration ttl, Clock clock) {
        String key = secret;
        if (key == null || key.isEmpty()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            key = Base64.getEncoder().encodeToString(random);
            log.warn("proxy.session.secret is not set: session URLs are signed with a random key of this process, so"
                    + " only this replica can serve their PATCH and DELETE (set the same secret on every replica)");
        }
        this.algorithm = Algorithm.HMAC256(key.getBytes(StandardCharsets.UTF_8));
        // the injected clock decides expiry too, not only issue
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm).withIssuer(ISSUER).acceptLeeway(5))
                .build(clock);
        this.ttl = ttl;
        this.clock = clock;
    }

    public String issue(Route ref) {
        Instant now = clock.instant();
        return sign(ref, now, now.plus(ttl));
    }

    /**
     * A token that is the same, byte for byte, for every call in one window of {@code bucket} and on every replica
     * sharing the secret: issued at the window's start rather than now, so a URL carrying it is stable from one
     * playlist reload to the next and cacheable. It stays valid for the session lifetime past its window's end, so a
     * URL handed out at the last moment of a window lives as long as any other.
     */
    public String issueStable(Route ref, Duration bucket) {
        long size = bucket.toMillis();
        Instant start = Instant.ofEpochMilli(Math.floorDiv(clock.millis(), size) * size);
        return sign(ref, start, start.plus(bucket).plus(ttl));
    }

    private String sign(Route ref, Instant issuedAt, Instant expiresAt) {
        return JWT.create().withIssuer(ISSUER).withClaim("n", ref.nodeId()).withClaim("k", ref.kind())
                .withClaim("r", ref.nodeResource()).withIssuedAt(issuedAt).withExpiresAt(expiresAt).sign(algorithm);
    }

    /** @throws ApiException 404 for an expired session, 403 for a token this proxy tier did not sign */
    public Route verify(String token, String expectedKind) {
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new ApiException(404, "session expired: its resource URL is older than the session lifetime");
        } catch (JWTVerificationException e) {
            throw new ApiException(403, "invalid session token: not issued by this proxy, or altered");
        }
        String kind = jwt.getClaim("k").asString();
        String node = jwt.getClaim("n").asString();
        String resource = jwt.getClaim("r").asString();
        if (node == null || resource == null || !expectedKind.equals(kind) || !resource.startsWith("/")) {
            throw new ApiException(403, "invalid session token: it does not belong to a " + expectedKind + " session");
        }
        return new Route(node, expectedKind, resource);
    }

    public static boolean looksLikeToken(String segment) {
        return JWT_SHAPE.matcher(segment).matches();
    }
}
