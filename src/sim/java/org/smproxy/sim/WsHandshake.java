package org.smproxy.sim;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One WebSocket upgrade request as a node received it, so tests can assert what a proxy forwarded
 * ({@code X-Forwarded-For}, Red5's {@code X-Forwarded-For-Meta-*}, {@code User-Agent}, ...).
 *
 * @param path    e.g. {@code /live/}
 * @param query   raw query string, e.g. {@code id=stream1}; null when absent
 * @param headers request headers, names case-insensitive
 */
public record WsHandshake(String path, String query, Map<String, List<String>> headers) {

    public WsHandshake {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.merge(name, List.copyOf(values),
                (a, b) -> Stream.concat(a.stream(), b.stream()).toList()));
        headers = Collections.unmodifiableMap(copy);
    }

    /** The first value of a header, any case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
