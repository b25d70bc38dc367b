package org.smproxy.http;

import java.util.Arrays;
import java.util.List;

/** One API request: method, the path's segments below the API's mapping, the query, and the request itself. */
public record ApiCall(HttpIn in, List<String> path, Query query) {

    static ApiCall of(HttpIn in, String within) {
        List<String> path = within == null || within.isEmpty() || within.equals("/") ? List.of()
                : Arrays.asList(within.substring(1).split("/", -1));
        return new ApiCall(in, path, Query.parse(in.rawQuery()));
    }

    public String method() {
        return in.method();
    }

    public String segment(int i) {
        return i < path.size() ? path.get(i) : null;
    }

    /** The rest of the path from segment {@code from}, joined with '/', e.g. a multi-segment streamGuid. */
    public String rest(int from) {
        return from >= path.size() ? "" : String.join("/", path.subList(from, path.size()));
    }

    /** A query parameter's first value, decoded, or null. */
    public String param(String name) {
        return query.get(name);
    }

    /** The body as JSON of {@code type}; an empty or malformed body is the client's error, with the reason. */
    public <T> T body(Class<T> type) {
        return Json.read(in.body(), type);
    }

    public ApiException notFound() {
        return new ApiException(404, "no such resource: " + in.method() + " " + in.path());
    }

    public ApiException methodNotAllowed(String allowed) {
        return ApiException.methodNotAllowed(in.method(), allowed);
    }

    /** Refuses anything but the listed methods (comma-separated, as in {@code Allow}). */
    public void allow(String allowed) {
        for (String m : allowed.split(",")) {
            if (m.trim().equals(in.method())) {
                return;
            }
        }
        throw methodNotAllowed(allowed);
    }
}
