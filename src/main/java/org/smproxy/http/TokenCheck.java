package org.smproxy.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

import org.smproxy.config.ProxyConfig;

/**
 * Guards an API with a shared secret, sent as {@code Authorization: Bearer <token>} or, as SM 1.x clients do,
 * {@code ?accessToken=<token>}. With no secret configured the API stays closed: never open by default.
 */
public final class TokenCheck {
    private final String what;
    private final byte[] expected;
    private final RateLimiter limiter;
    private final AdminJwt jwt;
    private final LoginTokens logins;
    private final Set<String> loginRoles;

    public TokenCheck(String what, String secret, RateLimiter limiter) {
        this(what, secret, limiter, null, null, Set.of());
    }

    /**
     * @param jwt        an operator's JWTs accepted beside the static token, or null
     * @param logins     the proxy's own login tokens ({@code PUT /as/v1/auth/login}), or null
     * @param loginRoles the login roles this API takes
     */
    public TokenCheck(String what, String secret, RateLimiter limiter, AdminJwt jwt, LoginTokens logins,
                      Set<String> loginRoles) {
        this.what = what;
        this.limiter = limiter;
        this.jwt = jwt;
        this.logins = loginRoles.isEmpty() ? null : logins;
        this.loginRoles = Set.copyOf(loginRoles);
        this.expected = secret == null || secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    public void require(ApiCall call) {
        Presented p = present(call);
        if (logins != null && LoginTokens.claimsToBeOne(p.value())) {
            counted(p, () -> logins.verify(p.value(), loginRoles));
            return;
        }
        if (jwt != null && RouteTokens.looksLikeToken(p.value())) {
            counted(p, () -> {
                jwt.verify(p.value());
                return null;
            });
            return;
        }
        checkShared(p);
    }

    /**
     * The node API: the shared secret (when the configuration takes it) speaks for any node, a node token (when it
     * takes those) for its own node.
     *
     * @return the token's claims, or null for the shared secret
     */
    public NodeTokens.Claims requireNode(ApiCall call, NodeTokens tokens, ProxyConfig.NodeAuth auth) {
        Presented p = present(call);
        if (NodeTokens.looksLikeToken(p.value())) {
            if (!auth.tokens()) {
                throw refused(p, "this proxy takes the node secret only (api.node.auth=shared)");
            }
            return counted(p, () -> tokens.verify(p.value()));
        }
        if (!auth.shared()) {
            throw refused(p, "this proxy takes node tokens only (api.node.auth=token): ask the admin API for one,"
                    + " POST .../admin/nodes/{id}/token");
        }
        checkShared(p);
        return null;
    }

    /** What a client presented, once it may try: the API is configured, and it has not spent its failures. */
    private record Presented(String client, String value) {
    }

    private Presented present(ApiCall call) {
        if (expected == null && jwt == null && logins == null) {
            throw new ApiException(401, "the " + what + " API is disabled: no token is configured for it");
        }
        String client = limiter.clientOf(call.in());
        limiter.beforeTokenCheck(client);
        Presented p = new Presented(client, presented(call.in().header("Authorization"), call.param("accessToken")));
        if (p.value() == null) {
            throw refused(p, "the " + what + " API needs a token (Authorization: Bearer <token>)");
        }
        return p;
    }

    private void checkShared(Presented p) {
        if (expected == null) {
            throw refused(p, "the " + what + " API takes " + (jwt != null ? "a JWT (" + jwt.algorithm() + ")"
                    : "a login token (PUT /as/v1/auth/login)") + " here, not a static token");
        }
        // Constant-time, so response timing does not leak how much of a guess was right.
        if (!MessageDigest.isEqual(expected, p.value().getBytes(StandardCharsets.UTF_8))) {
            throw refused(p, "the " + what + " token is not valid");
        }
    }

    /** A refusal of what the client presented: counted against its failure budget, then a 401. */
    private ApiException refused(Presented p, String message) {
        limiter.tokenFailed(p.client());
        return new ApiException(401, message);
    }

    /** Runs a verifier whose refusals count against the client's failure budget too. */
    private <T> T counted(Presented p, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (ApiException refused) {
            limiter.tokenFailed(p.client());
            throw refused;
        }
    }

    private static String presented(String header, String query) {
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return query == null || query.isEmpty() ? null : query;
    }
}
