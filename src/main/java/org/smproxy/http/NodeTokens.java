package org.smproxy.http;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Predicate;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

/**
 * Tokens that let a heartbeat speak for one node only: a JWT (HS256, pinned; "none" refused) signed with the
 * cluster's node secret, naming the node id and, optionally, its group. The shared secret lets its holder speak
 * for any node; a node's own token, leaked, speaks for that node alone and is revoked by its id without touching
 * the others: at run time through the admin API (shared with the tier by the cluster store), or in
 * {@code api.node.revokedTokens}.
 */
public final class NodeTokens {
    private static final String ISSUER = "smproxy-node";

    /** Whom a token speaks for: a node, maybe within one group. */
    public record Claims(String nodeId, String nodeGroup, String tokenId, Instant expiresAt) {
    }

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Set<String> revoked;
    private final Predicate<String> revokedAtRunTime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public NodeTokens(String secret, Set<String> revoked, Clock clock) {
        this(secret, revoked, clock, id -> false);
    }

    /** @param revokedAtRunTime the cluster store's revocations, read on every check */
    public NodeTokens(String secret, Set<String> revoked, Clock clock, Predicate<String> revokedAtRunTime) {
        this.revokedAtRunTime = revokedAtRunTime;
        // Its own key, derived, so a node token and a session token signed with the same text never verify as the other.
        this.algorithm = Algorithm.HMAC256(("node-token|" + secret).getBytes(StandardCharsets.UTF_8));
        // On the same clock as issuing, so expiry is judged by one notion of now.
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm).withIssuer(ISSUER).acceptLeeway(5))
                .build(clock);
        this.revoked = Set.copyOf(revoked);
        this.clock = clock;
    }

    /** A new token and what it says. */
    public record Issued(String token, Claims claims) {
    }

    /**
     * @param nodeGroup null for any group
     * @param ttl       null for a token that does not expire (revoke it by its id)
     */
    public Issued issue(String nodeId, String nodeGroup, Duration ttl) {
        byte[] id = new byte[9];
        random.nextBytes(id);
        String tokenId = HexFormat.of().formatHex(id);
        Instant now = clock.instant();
        Instant expires = ttl == null ? null : now.plus(ttl);
        JWTCreator.Builder b = JWT.create().withIssuer(ISSUER).withSubject(nodeId).withJWTId(tokenId).withIssuedAt(now);
        if (nodeGroup != null) {
            b.withClaim("grp", nodeGroup);
        }
        if (expires != null) {
            b.withExpiresAt(expires);
        }
        return new Issued(b.sign(algorithm), new Claims(nodeId, nodeGroup, tokenId, expires));
    }

    /** The ids revoked by configuration. */
    public Set<String> configuredRevocations() {
        return revoked;
    }

    /** Whether a presented credential is shaped like one of these tokens (else it is the shared secret, or nothing). */
    public static boolean looksLikeToken(String presented) {
        return RouteTokens.looksLikeToken(presented);
    }

    /** @throws ApiException 401 for a token not signed here, expired or altered; 403 for a revoked one */
    public Claims verify(String token) {
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new ApiException(401, "the node token has expired: issue a new one (POST .../admin/nodes/{id}/token)");
        } catch (JWTVerificationException e) {
            throw new ApiException(401, "the node token is not valid: not signed with this cluster's node secret, or altered");
        }
        if (jwt.getSubject() == null || jwt.getId() == null) {
            throw new ApiException(401, "the node token names no node");
        }
        if (revoked.contains(jwt.getId())) {
            throw new ApiException(403, "the node token '" + jwt.getId() + "' is revoked (api.node.revokedTokens)");
        }
        if (revokedAtRunTime.test(jwt.getId())) {
            throw new ApiException(403, "the node token '" + jwt.getId() + "' was revoked by an operator");
        }
        Instant exp = jwt.getExpiresAtAsInstant();
        return new Claims(jwt.getSubject(), jwt.getClaim("grp").asString(), jwt.getId(), exp);
    }
}
