package org.smproxy.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A client's query string, read the same on every server: bounded, keys decoded for matching, each pair also kept
 * as written so a relay can pass it on byte for byte. A malformed escape is the client's error (400), never a
 * parameter silently dropped as a container would.
 */
public final class Query {
    /** Past this a query is a 414 with a reason, well below the adapters' request-line limits. */
    public static final int MAX_LENGTH = 4096;
    private static final Query EMPTY = new Query(List.of());

    /** One {@code key=value} pair: the decoded key, and the pair exactly as the client wrote it. */
    public record Pair(String key, String raw) {
    }

    private final List<Pair> pairs;

    private Query(List<Pair> pairs) {
        this.pairs = pairs;
    }

    public static Query parse(String raw) {
        if (raw == null || raw.isEmpty()) {
            return EMPTY;
        }
        if (raw.length() > MAX_LENGTH) {
            throw new ApiException(414, "query string is longer than " + MAX_LENGTH + " characters");
        }
        List<Pair> pairs = new ArrayList<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            pairs.add(new Pair(decode(key, key), pair));
        }
        return new Query(Collections.unmodifiableList(pairs));
    }

    /** The first value of {@code name}, decoded; "" for a key without a value; null when absent. */
    public String get(String name) {
        for (Pair p : pairs) {
            if (p.key().equals(name)) {
                int eq = p.raw().indexOf('=');
                return eq < 0 ? "" : decode(p.raw().substring(eq + 1), name);
            }
        }
        return null;
    }

    public List<Pair> pairs() {
        return pairs;
    }

    private static String decode(String text, String key) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "malformed query parameter '" + key + "'");
        }
    }
}
