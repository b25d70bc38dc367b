package org.smproxy.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

import org.smproxy.config.ProxyConfig;

/**
 * Stream Manager 2.0's own login ({@code PUT /as/v1/auth/login}, Red5's as-auth): configured principals trade Basic
 * credentials for an HS256 JWT with {@code sub}, {@code roles} and {@code exp}, which Red5's clients then send as
 * {@code Authorization: Bearer} to the admin, provision and forward APIs. The tokens name this proxy as issuer, so
 * they are told apart from an operator's identity-provider JWTs ({@link AdminJwt}) without trying both keys.
 */
public final class LoginTokens {
    public static final String ADMIN = "ROLE_ADMIN";
    public static final String PROXY = "ROLE_PROXY";
    private static final String ISSUER = "smproxy-login";

    /** Who a verified token speaks for. */
    public record Claims(String user, String role) {
    }

    private final ProxyConfig.Login config;
    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Clock clock;

    private LoginTokens(ProxyConfig.Login config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.algorithm = Algorithm.HMAC256(config.secret().getBytes(StandardCharsets.UTF_8));
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm).withIssuer(ISSUER)
                .withClaimPresence("exp").withClaimPresence("sub").withClaimPresence("roles").acceptLeeway(5))
                .build(clock);
    }

    /** Null when no principal is configured: login is then closed. */
    public static LoginTokens of(ProxyConfig.Login config, Clock clock) {
        return config == null ? null : new LoginTokens(config, clock);
    }

    /**
     * The token for a Basic {@code Authorization} header's principal.
     *
     * @throws ApiException 401 for a missing, malformed or wrong credential, never saying which part was wrong
     */
    public String login(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new ApiException(401, "login needs Authorization: Basic <base64 of user:password>");
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(401, "the Basic credentials are not base64");
        }
        int colon = pair.indexOf(':');
        if (colon < 0) {
            throw new ApiException(401, "the Basic credentials are not user:password");
        }
        String user = pair.substring(0, colon);
        byte[] password = pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        // every principal is compared, and in constant time, so timing tells nothing about which users exist
        ProxyConfig.Principal match = null;
        for (ProxyConfig.Principal p : config.principals()) {
            boolean same = MessageDigest.isEqual(p.user().getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))
                    & MessageDigest.isEqual(p.password().getBytes(StandardCharsets.UTF_8), password);
            if (same) {
                match = p;
            }
        }
        if (match == null) {
            throw new ApiException(401, "unknown user or wrong password");
        }
        Instant now = clock.instant();
        return JWT.create().withIssuer(ISSUER).withSubject(match.user()).withClaim("roles", match.role())
                .withIssuedAt(now).withExpiresAt(now.plus(config.ttl())).sign(algorithm);
    }

    /** Whether a bearer token claims to be one of these (by its issuer; not yet verified). */
    public static boolean claimsToBeOne(String token) {
        try {
            return ISSUER.equals(JWT.decode(token).getIssuer());
        } catch (JWTDecodeException e) {
            return false;
        }
    }

    /**
     * @param roles the roles the API takes
     * @throws ApiException 401 for an invalid or expired token, 403 for a valid one without the role
     */
    public Claims verify(String token, Set<String> roles) {
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new ApiException(401, "the login token has expired: log in again (PUT /as/v1/auth/login)");
        } catch (JWTVerificationException e) {
            throw new ApiException(401, "the login token is not valid: not issued by this proxy tier, or altered");
        }
        String role = jwt.getClaim("roles").asString();
        if (!roles.contains(role)) {
            throw new ApiException(403, "the login token's role " + role + " does not open this API (it takes "
                    + String.join(" or ", roles.stream().sorted().toList()) + ")");
        }
        return new Claims(jwt.getSubject(), role);
    }
}
