package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The HLS proxy against stand-in edges on real sockets: routing, rewriting, the shared cache, failures, bad input.
 * Run through each server adapter (the servlet path on Tomcat, the Netty listener), each on a fresh proxy and
 * fresh edges, so the cache counts start from nothing.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class HlsProxyTest {
    static final String SECRET = "hls-nodes-0123456789abcdef";
    static final Pattern SEGMENT_URI = Pattern.compile("(?m)^(/as/v1/proxy/hls/n/[^\\s]+)$");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static StandaloneServer server;
    static HttpClient http;
    static String base;
    static RecordingNode edgeA;
    static RecordingNode edgeB;

    /** A live playlist of five 1 s segments, and the segments themselves, as a Red5 edge serves them. */
    static RecordingNode.Answer hls(RecordingNode.Seen s, String edge) {
        if (s.path().endsWith(".m3u8")) {
            StringBuilder p = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:10\n");
            for (int i = 10; i < 15; i++) {
                p.append("#EXTINF:1.0,\ns1_").append(i).append(".ts\n");
            }
            if (s.query() != null && s.query().contains("_HLS_msn=")) {
                p.append("#EXT-X-PART:DURATION=0.2,URI=\"s1_15.0.ts\"\n");
            }
            return new RecordingNode.Answer(200, Map.of("Content-Type", "application/vnd.apple.mpegurl"), p.toString());
        }
        if (s.path().matches("/live/s1_\\d+(\\.\\d)?\\.ts")) {
            return new RecordingNode.Answer(200, Map.of("Content-Type", "video/mp2t"), edge + ":" + s.path() + ":" + "x".repeat(2000));
        }
        return new RecordingNode.Answer(404, Map.of("Content-Type", "text/plain"), "no such file");
    }

    @Parameter
    String adapter;

    @BeforeParameterizedClassInvocation
    static void start(String adapter) throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve(adapter)), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("cluster.heartbeat.timeout", "10m",
                        "api.node.secret", SECRET,
                        "standalone.server", "tomcat", "standalone.netty.port", "0",
                        "proxy.hls.playlistMaxAge", "5s")); // the 200-viewer test must see one playlist, not one per tick
        server = proxy.server;
        http = proxy.client;
        base = "netty".equals(adapter) ? "https://127.0.0.1:" + server.nettyPort() : proxy.base;
        edgeA = new RecordingNode();
        edgeB = new RecordingNode();
        edgeA.behave(s -> hls(s, "A"));
        edgeB.behave(s -> hls(s, "B"));
        heartbeat("edge-a", edgeA.port());
        heartbeat("edge-b", edgeB.port());
    }

    static void heartbeat(String id, int port) throws Exception {
        String body = "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + port + ",\"state\":\"INSERVICE\",\"streams\":[{\"streamGuid\":\"live/s1\"}]}";
        assertThat(Https.send(http, "POST", base + "/as/v1/nodes/heartbeat", body, "Authorization", "Bearer " + SECRET)
                .statusCode()).isEqualTo(200);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (edgeA != null) {
            edgeA.close();
        }
        if (edgeB != null) {
            edgeB.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @BeforeEach
    void clear() {
        edgeA.clear();
        edgeB.clear();
    }

    static HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        return Https.send(http, "GET", pathAndQuery.startsWith("http") ? pathAndQuery : base + pathAndQuery, null, headers);
    }

    static List<String> segmentUris(String playlist) {
        List<String> uris = new ArrayList<>();
        Matcher m = SEGMENT_URI.matcher(playlist);
        while (m.find()) {
            uris.add(m.group(1));
        }
        return uris;
    }

    static RecordingNode servingEdge() {
        return edgeA.seen().isEmpty() ? edgeB : edgeA;
    }

    @Test
    void thePlaylistComesFromOneEdgeRewrittenSoEverySegmentRoutesBackThroughTheProxy() throws Exception {
        HttpResponse<String> playlist = get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1&token=t1");
        assertThat(playlist.statusCode()).as(playlist.body()).isEqualTo(200);
        assertThat(playlist.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
        // proxy.hls.playlistMaxAge is 5s here
        assertThat(playlist.headers().firstValue("Cache-Control")).hasValue("public, max-age=5");
        RecordingNode edge = servingEdge();
        assertThat(edge.last().path()).isEqualTo("/live/s1.m3u8");
        assertThat(edge.last().query()).isEqualTo("token=t1");
        List<String> uris = segmentUris(playlist.body());
        assertThat(uris).hasSize(5).allSatisfy(u -> assertThat(u).startsWith("/as/v1/proxy/hls/n/live/s1_")
                .contains(".ts?token=t1&route=eyJ"));

        HttpResponse<String> segment = get(uris.get(0));
        assertThat(segment.statusCode()).isEqualTo(200);
        assertThat(segment.headers().firstValue("Content-Type")).hasValue("video/mp2t");
        assertThat(segment.body()).startsWith((edge == edgeA ? "A" : "B") + ":/live/s1_10.ts:");
        assertThat(segment.headers().firstValue("Cache-Control")).hasValue("public, max-age=30, immutable");
        String etag = segment.headers().firstValue("ETag").orElseThrow();
        assertThat(get(uris.get(0), "If-None-Match", etag).statusCode()).isEqualTo(304);
        HttpResponse<String> part = get(uris.get(0), "Range", "bytes=2-5");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(segment.body().substring(2, 6));
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 2-5/" + segment.body().length());
        assertThat(get(uris.get(0), "Range", "bytes=99999-").statusCode()).isEqualTo(416);
        HttpResponse<String> head = Https.send(http, "HEAD", base + uris.get(1), null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(edge.seen().stream().filter(s -> s.path().equals("/live/s1_10.ts")).count()).isEqualTo(1);
    }

    @Test
    void twoHundredViewersCostTheEdgeOneRequestPerSegment() throws Exception {
        ExecutorService viewers = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int v = 0; v < 200; v++) {
                done.add(CompletableFuture.runAsync(() -> {
                    try {
                        HttpResponse<String> playlist = get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1");
                        assertThat(playlist.statusCode()).isEqualTo(200);
                        for (String uri : segmentUris(playlist.body())) {
                            assertThat(get(uri).statusCode()).isEqualTo(200);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, viewers));
            }
            CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } finally {
            viewers.shutdownNow();
        }
        RecordingNode edge = servingEdge();
        assertThat(edgeA.seen().isEmpty() || edgeB.seen().isEmpty()).as("one viewer address stays on one edge").isTrue();
        for (int i = 10; i < 15; i++) {
            String path = "/live/s1_" + i + ".ts";
            assertThat(edge.seen().stream().filter(s -> s.path().equals(path)).count()).as(path).isEqualTo(1);
        }
        assertThat(edge.seen().stream().filter(s -> s.path().endsWith(".m3u8")).count()).isEqualTo(1);
    }

    @Test
    void differentCredentialsAreNeverServedFromEachOthersCacheEntries() throws Exception {
        String a = get("/as/v1/proxy/hls/live/s1.m3u8?username=alice&password=pa").body();
        String b = get("/as/v1/proxy/hls/live/s1.m3u8?username=bob&password=pb").body();
        assertThat(segmentUris(a)).allSatisfy(u -> assertThat(u).contains("?username=alice&password=pa&route="));
        assertThat(segmentUris(b)).allSatisfy(u -> assertThat(u).contains("?username=bob&password=pb&route="));
        get(segmentUris(a).get(0));
        get(segmentUris(b).get(0));
        RecordingNode edge = servingEdge();
        assertThat(edge.seen()).extracting(RecordingNode.Seen::query).contains("username=alice&password=pa",
                "username=bob&password=pb");
        assertThat(edge.seen().stream().filter(s -> s.path().equals("/live/s1_10.ts")).count()).isEqualTo(2);
    }

    @Test
    void llHlsBlockingReloadsReachTheNodeWithTheirDirectives() throws Exception {
        HttpResponse<String> r = get("/as/v1/proxy/hls/live/s1.m3u8?_HLS_msn=15&_HLS_part=0&strict=False");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("#EXT-X-PART:DURATION=0.2,URI=\"/as/v1/proxy/hls/n/");
        assertThat(servingEdge().last().query()).isEqualTo("_HLS_msn=15&_HLS_part=0");
    }

    @Test
    void aPlaylistIsTheSameFromReloadToReloadAndItsTagFollowsItsBytes() throws Exception {
        HttpResponse<String> first = get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1");
        HttpResponse<String> again = get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1&again=1");
        assertThat(again.body()).isEqualTo(first.body());
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(again.headers().firstValue("ETag")).hasValue(etag);
        HttpResponse<String> notModified = get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1", "If-None-Match", etag);
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1&token=other", "If-None-Match", etag).statusCode())
                .as("other credentials, other URLs in it, other bytes").isEqualTo(200);
    }

    @Test
    void red5sTestbedShapeServesHlsUnderTheWhepPath() throws Exception {
        // its own credentials, so its files are not in the cache yet
        HttpResponse<String> r = get("/as/v1/proxy/whep/live/s1.m3u8?nodeGroup=ng1&username=whep-shape");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
        List<String> uris = r.body().lines().filter(l -> l.startsWith("/as/v1/proxy/whep/n/live/s1_")).toList();
        assertThat(uris).hasSize(5);
        HttpResponse<String> segment = get(uris.get(0));
        assertThat(segment.statusCode()).isEqualTo(200);
        assertThat(segment.body()).contains(":/live/s1_10.ts:");
        assertThat(Https.send(http, "HEAD", base + uris.get(1), null).statusCode()).isEqualTo(200);
        // the same cache as /hls/: a viewer of both shapes costs the edge one fetch of a segment
        get(segmentUris(get("/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1&username=whep-shape").body()).get(0));
        assertThat(servingEdge().seen().stream().filter(s -> s.path().equals("/live/s1_10.ts")).count()).isEqualTo(1);
        // what is no HLS file stays WHEP's: a GET on a WHEP resource is still not allowed
        assertError(get("/as/v1/proxy/whep/live/s1"), 405, "not allowed");
    }

    @Test
    void theSm1FilePathServesTheSamePlaylist() throws Exception {
        HttpResponse<String> r = get("/streammanager/api/4.0/file/live/s1.m3u8");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("/streammanager/api/4.0/file/n/");
        String segment = r.body().lines().filter(l -> l.startsWith("/streammanager/")).findFirst().orElseThrow();
        assertThat(get(segment).statusCode()).isEqualTo(200);
    }

    @Test
    void badInputGetsAClearErrorAndNoNodeSeesIt() throws Exception {
        String playlist = get("/as/v1/proxy/hls/live/s1.m3u8").body();
        clear();
        String uri = segmentUris(playlist).get(0);
        String token = uri.substring(uri.indexOf("route=") + 6);
        assertError(get("/as/v1/proxy/hls/n/other/s1_10.ts?route=" + token), 403, "does not cover");
        assertError(get("/as/v1/proxy/hls/n/live/run.sh?route=" + token), 404, "not an HLS file");
        assertError(get("/as/v1/proxy/hls/n/live/s1_10.ts?route=" + token.substring(0, token.length() - 3) + "abc"), 403,
                "invalid session token");
        assertError(get("/as/v1/proxy/hls/n/live/s1_10.ts?route="), 403, "invalid session token");
        assertError(get("/as/v1/proxy/hls/n/live/s1_10.ts"), 404, "lost its 'route' token");
        assertError(get("/as/v1/proxy/hls/live/s1_10.ts?route=" + token), 404, "belongs to the file URLs");
        assertError(get("/as/v1/proxy/hls/n/live/.hidden.ts?route=" + token), 400, "invalid path segment");
        assertError(get("/as/v1/proxy/hls/live/nope.m3u8"), 404, "not published");
        assertError(get("/as/v1/proxy/hls/live/s1.m3u8?x=" + "y".repeat(5000)), 414, "query");
        assertError(get("/as/v1/proxy/hls/live/s1.mp4"), 404, "expected");
        assertError(get("/as/v1/proxy/hls/live/s1.m3u8?strict=perhaps"), 400, "'strict' must be true or false");
        assertError(Https.send(http, "POST", base + "/as/v1/proxy/hls/live/s1.m3u8", ""), 405, "not allowed");
        assertThat(edgeA.seen()).isEmpty();
        assertThat(edgeB.seen()).isEmpty();
        HttpResponse<String> fromNode = get(uri.replace("s1_10.ts", "s1_none.ts"));
        assertThat(fromNode.statusCode()).isEqualTo(404);
        assertThat(fromNode.body()).isEqualTo("no such file"); // the node's own answer, passed through
    }

    static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains(message);
    }

    @Test
    void whenTheEdgeGoesTheNextPlaylistComesFromAnotherOneAndItsOldSegmentsAre502() throws Exception {
        RecordingNode spare = new RecordingNode();
        spare.behave(s -> hls(s, "C"));
        try {
            heartbeat("edge-doomed", spare.port());
            // Viewers are routed by their address, so to be sure this one lands on the doomed edge, drain the others.
            server.core().cluster().setAdminState("edge-a", org.smproxy.cluster.NodeState.SOFT_SUNSET);
            server.core().cluster().setAdminState("edge-b", org.smproxy.cluster.NodeState.SOFT_SUNSET);
            String playlist = get("/as/v1/proxy/hls/live/s1.m3u8").body();
            assertThat(spare.seen()).isNotEmpty();
            String segment = segmentUris(playlist).get(0);
            server.core().cluster().setAdminState("edge-a", null);
            server.core().cluster().setAdminState("edge-b", null);
            spare.close(); // the edge dies; the model still lists it until its heartbeats lapse
            // The player's next reload, once the cached copy is past its age (a new query skips the wait here).
            HttpResponse<String> next = get("/as/v1/proxy/hls/live/s1.m3u8?reload=2");
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            assertThat(edgeA.seen().size() + edgeB.seen().size()).isGreaterThan(0);
            assertError(get(segment), 502, "refused");
        } finally {
            spare.close();
            server.core().cluster().remove("edge-doomed", "test over");
        }
    }
}
