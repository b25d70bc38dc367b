package org.smproxy.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Guards an API with a shared secret, sent as {@code Authorization: Bearer <token>} or, as SM 1.x clients do,
 * {@code ?accessToken=<token>}. With no secret configured the API stays closed: never open by default.
 */
public final class TokenCheck {
    private final String what;
    private final byte[] expected;
    private final RateLimiter limiter;
    private final AdminJwt jwt;

    public TokenCheck(String what, String secret, RateLimiter limiter) {
        this(what, secret, limiter, null);
    }

    /** @param jwt JWTs accepted beside the static token, or null */
    public TokenCheck(String what, String secret, RateLimiter limiter, AdminJwt jwt) {
        this.what = what;
        this.limiter = limiter;
        this.jwt = jwt;
        this.expected = secret == null || secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    public void require(ApiCall call) {
        Presented p = present(call);
        if (jwt != null && RouteTokens.looksLikeToken(p.value())) {
            try {
                jwt.verify(p.value());
                return;
            } catch (ApiException e) {
                limiter.tokenFailed(p.client());
                throw e;
            }
        }
        checkShared(p);
    }

    /**
     * The node API: the shared secret (when {@code sharedAllowed}) speaks for any node, a node token for its node.
     *
     * @return the token's claims, or null for the shared secret
     */
    public NodeTokens.Claims requireNode(ApiCall call, NodeTokens tokens, boolean sharedAllowed) {
        Presented p = present(call);
        if (NodeTokens.looksLikeToken(p.value())) {
            try {
                return tokens.verify(p.value());
            } catch (ApiException e) {
                limiter.tokenFailed(p.client());
                throw e;
            }
        }
        if (!sharedAllowed) {
            limiter.tokenFailed(p.client());
            throw new ApiException(401, "this proxy takes node tokens only (api.node.auth=token): ask the admin API for"
                    + " one, POST .../admin/nodes/{id}/token");
        }
        checkShared(p);
        return null;
    }

    /** What a client presented, once it may try: the API is configured, and it has not spent its failures. */
    private record Presented(String client, String value) {
    }

    private Presented present(ApiCall call) {
        if (expected == null && jwt == null) {
            throw new ApiException(401, "the " + what + " API is disabled: no token is configured for it");
        }
        String client = limiter.clientOf(call.in());
        limiter.beforeTokenCheck(client);
        String presented = presented(call.in().header("Authorization"), call.param("accessToken"));
        if (presented == null) {
            limiter.tokenFailed(client);
            throw new ApiException(401, "the " + what + " API needs a token (Authorization: Bearer <token>)");
        }
        return new Presented(client, presented);
    }

    private void checkShared(Presented p) {
        if (expected == null) {
            limiter.tokenFailed(p.client());
            throw new ApiException(401, "the " + what + " API takes a JWT here (" + jwt.algorithm() + "), not a static token");
        }
        // Constant-time, so response timing does not leak how much of a guess was right.
        if (!MessageDigest.isEqual(expected, p.value().getBytes(StandardCharsets.UTF_8))) {
            limiter.tokenFailed(p.client());
            throw new ApiException(401, "the " + what + " token is not valid");
        }
    }

    private static String presented(String header, String query) {
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return query == null || query.isEmpty() ? null : query;
    }
}
