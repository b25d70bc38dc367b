package org.smproxy.sim;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Red5's round-trip authentication as a node enforces it, reduced to what a proxy must carry: the client's
 * {@code username}, {@code password} and (when the node asks for one) {@code token} connection parameters, which the
 * SDK sends as query parameters on every WHIP/WHEP OPTIONS, POST and PATCH and on the signalling socket's URL. A node
 * without it (the default) accepts anyone, as a Red5 node without an authentication plugin does.
 */
public record RoundTripAuth(String username, String password, String token) {

    public RoundTripAuth {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** The parameters a client passes to be accepted, for tests and the demo. */
    public Map<String, String> params() {
        return token == null ? Map.of("username", username, "password", password)
                : Map.of("username", username, "password", password, "token", token);
    }

    /**
     * @param param the request's parameter of that name, or null
     * @return why the credentials were refused, or null when they are accepted
     */
    String refusal(Function<String, String> param) {
        String user = param.apply("username");
        String pass = param.apply("password");
        if (user == null || pass == null) {
            return "authentication failed: no username and password (round-trip authentication is on)";
        }
        if (!username.equals(user) || !password.equals(pass)) {
            return "authentication failed: unknown user or wrong password";
        }
        if (token != null && !token.equals(param.apply("token"))) {
            return "authentication failed: missing or wrong token";
        }
        return null;
    }
}
