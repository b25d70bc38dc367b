package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimNodeConfig;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.TestProxy;

/**
 * The HLS proxy in front of simulated edges that serve real live HLS (ffmpeg: 1 s segments, 6-segment window):
 * many viewers, one node request per segment. Plain HTTP to the nodes; needs ffmpeg, no media network.
 */
@Timeout(180)
class HlsLiveProxyTest {
    static final String SECRET = "hls-live-nodes-0123456789abcdef";
    static final String GUID = "live/crowd";
    static final int VIEWERS = 200;
    /** Rewritten segment URIs: the node's path follows the token. */
    static final Pattern SEGMENT_URI = Pattern.compile("(?m)^(/as/v1/proxy/hls/n(/[^?\\s]+\\.ts)\\?[^\\s]*)$");

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static StandaloneServer server;
    static SimCluster cluster;
    static List<SimNode> edges;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(dir, "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "cluster.heartbeat.interval", "300ms", "cluster.heartbeat.timeout", "5s", "api.node.secret", SECRET));
        server = proxy.server;
        cluster = new SimCluster(SimNodeConfig.defaults().nodeGroup("ng1").proxy(URI.create(proxy.base), SECRET)
                .heartbeatIntervalMs(300));
        SimNode origin = cluster.startOrigin("origin-1");
        edges = List.of(cluster.startEdge("edge-1", origin), cluster.startEdge("edge-2", origin));
        origin.startHls(GUID); // the origin "publishes" it: its edges list it in their heartbeats
        edges.forEach(e -> e.startHls(GUID)); // each edge segments on its own, as Red5 edges do
        await().atMost(Duration.ofSeconds(15)).until(() -> server.core().cluster().stream("ng1", GUID)
                .map(s -> s.locations().stream().filter(l -> !l.publishing()).count() == 2).orElse(false));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close(); // kills every ffmpeg
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void twoHundredConcurrentViewersCostTheEdgeOneRequestPerSegment() throws Exception {
        HttpClient http = proxy.client;
        // A freshly started edge lists one segment; wait until the window has a player's start-up worth.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> segments(
                get(http, "/as/v1/proxy/hls/" + GUID + ".m3u8?nodeGroup=ng1").body()).size() >= 3);
        edges.forEach(SimNode::resetHlsRequests);
        Set<String> nodePaths = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<Void>> viewers = new ArrayList<>();
            for (int v = 0; v < VIEWERS; v++) {
                viewers.add(CompletableFuture.runAsync(() -> {
                    HttpResponse<String> playlist = get(http, "/as/v1/proxy/hls/" + GUID + ".m3u8?nodeGroup=ng1");
                    assertThat(playlist.statusCode()).as(playlist.body()).isEqualTo(200);
                    List<String[]> segments = segments(playlist.body());
                    assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
                    // A player starts near the live edge: the last three segments, as hls.js does.
                    for (String[] s : segments.subList(segments.size() - 3, segments.size())) {
                        HttpResponse<String> ts = get(http, s[0]);
                        assertThat(ts.statusCode()).as(s[1] + ": " + ts.body()).isEqualTo(200);
                        assertThat(ts.headers().firstValue("Content-Type")).hasValue("video/mp2t");
                        nodePaths.add(s[1]);
                    }
                }, pool));
            }
            CompletableFuture.allOf(viewers.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        SimNode serving = edges.get(0).hlsRequests() > 0 ? edges.get(0) : edges.get(1);
        SimNode other = serving == edges.get(0) ? edges.get(1) : edges.get(0);
        assertThat(other.hlsRequests()).as("one viewer address stays on one edge").isZero();
        assertThat(nodePaths).isNotEmpty();
        for (String path : nodePaths) {
            assertThat(serving.hlsRequests(path)).as(path + " at " + serving.id()).isEqualTo(1);
        }
        Map<String, Long> counts = serving.hlsRequestCounts();
        long segmentRequests = counts.entrySet().stream().filter(e -> e.getKey().endsWith(".ts"))
                .mapToLong(Map.Entry::getValue).sum();
        assertThat(segmentRequests).as("only the segments viewers asked for, once each: " + counts)
                .isEqualTo(nodePaths.size());
        long playlistRequests = serving.hlsRequests("/" + GUID + ".m3u8");
        assertThat(playlistRequests).as("playlist fetches, shared while fresh").isLessThanOrEqualTo(VIEWERS / 4L);
    }

    private static HttpResponse<String> get(HttpClient http, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(proxy.base + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (Exception e) {
            throw new IllegalStateException(path + ": " + e, e);
        }
    }

    /** [proxy URI, node path] of each segment, in playlist order. */
    private static List<String[]> segments(String playlist) {
        List<String[]> out = new ArrayList<>();
        Matcher m = SEGMENT_URI.matcher(playlist);
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2)});
        }
        return out;
    }
}
