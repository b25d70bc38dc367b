package org.smproxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in Red5 node on a real socket that records every request it gets and answers as a Red5 node would
 * (no media). For protocol tests of the relay: what reached which node, with which headers and parameters.
 */
public final class RecordingNode implements AutoCloseable {
    public static final String OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=setup:actpass\r\n";

    /** What the node saw. */
    public record Seen(String method, String path, String query, Headers headers, String body) {
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** What the node answers. */
    public record Answer(int status, Map<String, String> headers, String body) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Function<Seen, Answer> behaviour = RecordingNode::red5;

    public RecordingNode() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Red5's answers: POST 201 with an SDP and a relative Location, PATCH 204 (201 for a WHEP answer), DELETE 200. */
    public static Answer red5(Seen s) {
        String resource = s.path().replace("/endpoint/", "/resource/");
        switch (s.method()) {
            case "OPTIONS":
                return new Answer(204, Map.of("Link", "<stun:stun.example.net:3478>; rel=\"ice-server\""), "");
            case "POST":
                return new Answer(201, Map.of("Location", resource, "Content-Type", "application/sdp", "ETag", "\"e1\""), OFFER);
            case "PATCH":
                boolean answer = s.header("Content-Type").startsWith("application/sdp");
                return new Answer(answer ? 201 : 204, Map.of(), "");
            case "DELETE":
                return new Answer(200, Map.of(), "");
            default:
                return new Answer(405, Map.of("Allow", "OPTIONS, POST, PATCH, DELETE"), "");
        }
    }

    /**
     * {@link #red5} plus a Red5 edge's HLS of any stream: {@code /<app>/<stream>.m3u8} a one-segment live playlist
     * naming {@code <stream>_1.ts}, and every {@code .ts} a few bytes of segment.
     */
    public static Answer red5WithHls(Seen s) {
        String path = s.path();
        if (path.endsWith(".m3u8")) {
            String stream = path.substring(path.lastIndexOf('/') + 1, path.length() - ".m3u8".length());
            return new Answer(200, Map.of("Content-Type", "application/vnd.apple.mpegurl"),
                    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.0,\n" + stream + "_1.ts\n");
        }
        if (path.endsWith(".ts")) {
            return new Answer(200, Map.of("Content-Type", "video/mp2t"), "segment");
        }
        return red5(s);
    }

    public void behave(Function<Seen, Answer> answer) {
        behaviour = answer;
    }

    private void handle(HttpExchange ex) throws IOException {
        Seen s = new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                ex.getRequestHeaders(), new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        seen.add(s);
        Answer a = behaviour.apply(s);
        a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public Seen last() {
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }

    public void clear() {
        seen.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
