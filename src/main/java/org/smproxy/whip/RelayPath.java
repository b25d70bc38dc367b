package org.smproxy.whip;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;

/**
 * Where a relayed request points: a stream's endpoint (OPTIONS, POST; Red5 also takes PATCH and DELETE there with
 * {@code host=}), or a session resource named by a signed token. Two URL shapes:
 *
 * <pre>
 * SM 2.0   /as/v1/proxy/{whip|whep}/{app}[/{room}...]/{stream}        /as/v1/proxy/{whip|whep}/resource/{token}
 * SM 1.x   /{app}[/{room}...]/{whip|whep}/endpoint/{stream}           /{app}[/{room}...]/{whip|whep}/resource/{token}
 * </pre>
 *
 * In the SM 2.0 shape an app named {@code resource} is therefore reserved.
 */
public record RelayPath(RelayKind kind, StreamGuid stream, String token, Shape shape) {

    /** Which URL family the client used; resource URLs handed back keep to it. */
    public enum Shape { SM2, SM1 }

    /** Where the SM 2.0 relay lives, in Red5's {@code as} webapp and standalone alike. */
    public static final String SM2_BASE = "/as/v1/proxy/";
    private static final Pattern SM1 = Pattern.compile("(.+)/(whip|whep)/(endpoint|resource)/([^/]+)");

    public boolean isResource() {
        return token != null;
    }

    /** @param below the path below {@code /as/v1/proxy/}, e.g. {@code whip/live/stream1} */
    public static RelayPath sm2(String below) {
        int slash = below.indexOf('/');
        RelayKind kind = slash < 0 ? null : RelayKind.of(below.substring(0, slash));
        if (kind == null) {
            throw new ApiException(404, "expected /as/v1/proxy/whip/<app>/<stream> or /as/v1/proxy/whep/<app>/<stream>");
        }
        String rest = below.substring(slash + 1);
        if (rest.startsWith("resource/") && rest.indexOf('/', 9) < 0 && rest.length() > 9) {
            return new RelayPath(kind, null, rest.substring(9), Shape.SM2);
        }
        return new RelayPath(kind, new StreamGuid(rest), null, Shape.SM2);
    }

    /** @param path the request path without the leading slash, context path included, e.g. {@code live/whip/endpoint/s1} */
    public static RelayPath sm1(String path) {
        Matcher m = SM1.matcher(path);
        if (!m.matches()) {
            throw new ApiException(404, "expected /<app>/whip|whep/endpoint/<stream> or /<app>/whip|whep/resource/<id>");
        }
        RelayKind kind = RelayKind.of(m.group(2));
        if ("endpoint".equals(m.group(3))) {
            return new RelayPath(kind, StreamGuid.of(m.group(1), m.group(4)), null, Shape.SM1);
        }
        // Red5's own clients may PATCH/DELETE /<app>/whip/resource/<stream>?host=<node>: a stream name, not a token.
        if (RouteTokens.looksLikeToken(m.group(4))) {
            return new RelayPath(kind, null, m.group(4), Shape.SM1);
        }
        return new RelayPath(kind, StreamGuid.of(m.group(1), m.group(4)), null, Shape.SM1);
    }

    /** The resource URL path handed to the client for a session token, in the client's own URL shape. */
    String resourcePath(String newToken) {
        if (shape == Shape.SM2) {
            return SM2_BASE + kind.word() + "/resource/" + newToken;
        }
        return "/" + stream.scope() + "/" + kind.word() + "/resource/" + newToken;
    }
}
