package org.smproxy.api;

import java.util.Map;

import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.LoginTokens;
import org.smproxy.http.RateLimiter;

/**
 * {@code PUT /as/v1/auth/login}: Red5's as-auth login, as its testbed and SDK pages call it (Basic credentials in,
 * {@code {"token": "<JWT>"}} out). A wrong credential counts against the client's failure budget like any other
 * refused token, so guessing passwords here is as slow as guessing the admin token.
 */
public final class AuthApi extends ApiHandler {
    private final LoginTokens logins;
    private final RateLimiter limiter;

    /** @param logins null while no principal is configured: every login is then refused with a reason */
    public AuthApi(LoginTokens logins, RateLimiter limiter) {
        super(ErrorDialect.SM2);
        this.logins = logins;
        this.limiter = limiter;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("PUT");
        if (logins == null) {
            throw new ApiException(401, "login is closed: no principal is configured (api.auth.admin.password,"
                    + " api.auth.proxy.password)");
        }
        String client = limiter.clientOf(call.in());
        limiter.beforeTokenCheck(client);
        try {
            return HttpOut.json(200, Map.of("token", logins.login(call.in().header("Authorization"))))
                    .header("Cache-Control", "no-store");
        } catch (ApiException refused) {
            limiter.tokenFailed(client);
            throw refused;
        }
    }
}
