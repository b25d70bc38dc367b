package org.smproxy.sim;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The WHIP/WHEP HTTP calls of the test clients, against a node or a proxy (TLS certificates not checked). */
public final class SimHttp {

    private static final HttpClient CLIENT = TrustAll.httpClient();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private SimHttp() {
    }

    /** @param contentType null sends no Content-Type; body null sends no body */
    public static HttpResponse<String> send(String method, URI uri, String contentType, String body)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(method + " " + uri + " interrupted");
        }
    }

    /** Appends query parameters (URL-encoded) to whatever query the URI already has. */
    /**
     * The connection parameters among a POST's ({@code username}, {@code password}, {@code token}): Red5's SDK sends
     * them again on every PATCH of the session, as round-trip authentication needs.
     */
    public static Map<String, String> connectionParams(Map<String, String> params) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : List.of("username", "password", "token")) {
            if (params.containsKey(key)) {
                out.put(key, params.get(key));
            }
        }
        return out;
    }

    public static URI withQuery(URI uri, Map<String, String> params) {
        if (params.isEmpty()) {
            return uri;
        }
        String extra = params.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        String s = uri.toString();
        return URI.create(s + (uri.getRawQuery() == null ? "?" : "&") + extra);
    }

    /**
     * The resource URL the way Red5's SDK derives it from a POST response: an absolute Location as is; a
     * relative one replaces the endpoint's path (the endpoint's query, e.g. {@code requestId}, is kept and the
     * Location's dropped); none means the endpoint itself. Then {@code /endpoint/} becomes {@code /resource/}.
     */
    public static URI resourceUrl(URI endpoint, String location) {
        String url;
        if (location == null || location.isEmpty()) {
            url = endpoint.toString();
        } else if (location.startsWith("http://") || location.startsWith("https://")) {
            url = location;
        } else {
            String path = location.split("\\?", 2)[0];
            url = endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path
                    + (endpoint.getRawQuery() == null ? "" : "?" + endpoint.getRawQuery());
        }
        return URI.create(url.replace("/endpoint/", "/resource/"));
    }

    static void expect(HttpResponse<String> response, int status, String step) throws SimHttpException {
        if (response.statusCode() != status) {
            throw new SimHttpException(step, response.statusCode(), response.body());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
