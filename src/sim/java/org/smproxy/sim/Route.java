package org.smproxy.sim;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Red5 WHIP/WHEP path: {@code /<app>[/<room>...]/whip|whep/endpoint|resource/<stream>}.
 *
 * @param scope    app plus rooms, e.g. {@code live} or {@code live/room1}
 * @param whep     true for {@code whep}, false for {@code whip}
 * @param resource true for {@code resource}, false for {@code endpoint}
 */
record Route(String scope, boolean whep, boolean resource, String stream) {

    private static final Pattern PATH =
            Pattern.compile("^/(.+)/(whip|whep)/(endpoint|resource)/([^/]+)$");

    static Optional<Route> parse(String path) {
        if (path == null) {
            return Optional.empty();
        }
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Route(m.group(1), m.group(2).equals("whep"), m.group(3).equals("resource"), m.group(4)));
    }

    String app() {
        int slash = scope.indexOf('/');
        return slash < 0 ? scope : scope.substring(0, slash);
    }

    /** Stream Manager's name for the stream: scope plus stream name, e.g. {@code live/stream1}. */
    String streamGuid() {
        return scope + "/" + stream;
    }

    /**
     * Where PATCH and DELETE go. Red5 documents {@code /<app>/whip/resource/<stream>}; the full scope is kept
     * so that streams in rooms stay addressable.
     */
    String resourcePath() {
        return "/" + scope + (whep ? "/whep" : "/whip") + "/resource/" + stream;
    }
}
