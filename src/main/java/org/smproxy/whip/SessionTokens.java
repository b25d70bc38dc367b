package org.smproxy.whip;

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
import org.smproxy.http.ApiException;

/**
 * Resource URLs that route themselves: a session's PATCH and DELETE carry a signed token naming the node and the
 * node's own resource URL, so any proxy replica holding the same secret can relay them, with no shared state. A
 * forged or altered token fails verification and never reaches a node.
 */
public final class SessionTokens {
    private static final Logger log = LoggerFactory.getLogger(SessionTokens.class);
    private static final Pattern JWT_SHAPE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final String ISSUER = "smproxy";

    /** What a token says: which node owns the session, and where on that node it lives. */
    public record SessionRef(String nodeId, RelayKind kind, String nodeResource) {
    }

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public SessionTokens(String secret, Duration ttl, Clock clock) {
        String key = secret;
        if (key == null || key.isEmpty()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            key = Base64.getEncoder().encodeToString(random);
            log.warn("proxy.session.secret is not set: session URLs are signed with a random key of this process, so"
                    + " only this replica can serve their PATCH and DELETE (set the same secret on every replica)");
        }
        this.algorithm = Algorithm.HMAC256(key.getBytes(StandardCharsets.UTF_8));
        this.verifier = JWT.require(algorithm).withIssuer(ISSUER).acceptLeeway(5).build();
        this.ttl = ttl;
        this.clock = clock;
    }

    public String issue(SessionRef ref) {
        Instant now = clock.instant();
        return JWT.create().withIssuer(ISSUER).withClaim("n", ref.nodeId()).withClaim("k", ref.kind().word())
                .withClaim("r", ref.nodeResource()).withIssuedAt(now).withExpiresAt(now.plus(ttl)).sign(algorithm);
    }

    /** @throws ApiException 404 for an expired session, 403 for a token this proxy tier did not sign */
    public SessionRef verify(String token, RelayKind expectedKind) {
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
        if (node == null || resource == null || !expectedKind.word().equals(kind) || !resource.startsWith("/")) {
            throw new ApiException(403, "invalid session token: it does not belong to a " + expectedKind.word() + " session");
        }
        return new SessionRef(node, expectedKind, resource);
    }

    static boolean looksLikeToken(String segment) {
        return JWT_SHAPE.matcher(segment).matches();
    }
}
