package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.RedisServer;
import org.smproxy.testing.TestProxy;

/**
 * HLS behind a tier: three replicas on one real {@code redis-server}, one live edge, 600 viewers whose requests a
 * load balancer spreads over the replicas one by one (no stickiness). Each replica has its own cache, so the edge
 * sees each segment once per replica that was asked for it, never more.
 */
@Timeout(180)
class HlsTierTest {
    static final String SECRET = "hls-tier-node-secret-0123456789";
    static final int REPLICAS = 3;
    static final int VIEWERS = 600;
    static final int SEGMENT_BYTES = 64 * 1024;
    static final Pattern SEGMENT_URI = Pattern.compile("(?m)^(/as/v1/proxy/hls/n(/live/s1_\\d+\\.ts)\\?route=[^\\s]+)$");
    static final Pattern NODE_SEGMENT = Pattern.compile("/live/s1_(\\d+)\\.ts");

    @TempDir
    static Path dir;
    static RedisServer redis;
    static final List<TestProxy> replicas = new ArrayList<>();
    static RecordingNode edge;
    static long liveSince;

    /** A live edge: one 1 s segment more every second, a five-segment window; each segment's bytes name it. */
    static RecordingNode.Answer live(RecordingNode.Seen s) {
        long newest = 4 + (System.nanoTime() - liveSince) / 1_000_000_000L;
        if (s.path().equals("/live/s1.m3u8")) {
            StringBuilder p = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:")
                    .append(newest - 4).append('\n');
            for (long i = newest - 4; i <= newest; i++) {
                p.append("#EXTINF:1.0,\ns1_").append(i).append(".ts\n");
            }
            return new RecordingNode.Answer(200, Map.of("Content-Type", "application/vnd.apple.mpegurl"), p.toString());
        }
        Matcher m = NODE_SEGMENT.matcher(s.path());
        if (m.matches() && Long.parseLong(m.group(1)) <= newest) {
            return new RecordingNode.Answer(200, Map.of("Content-Type", "video/mp2t"), segment(s.path()));
        }
        return new RecordingNode.Answer(404, Map.of("Content-Type", "text/plain"), "no such file");
    }

    static String segment(String nodePath) {
        StringBuilder b = new StringBuilder(SEGMENT_BYTES);
        while (b.length() < SEGMENT_BYTES) {
            b.append(nodePath).append('|');
        }
        return b.substring(0, SEGMENT_BYTES);
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
        liveSince = System.nanoTime();
        edge = new RecordingNode();
        edge.behave(HlsTierTest::live);
        for (int r = 0; r < REPLICAS; r++) {
            String name = "replica-" + r;
            replicas.add(TestProxy.start(Files.createDirectories(dir.resolve(name)), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                    Map.of("cluster.store", "redis",
                            "cluster.store.url", redis.url(),
                            "cluster.store.prefix", "hlstier:",
                            "cluster.replica.id", name,
                            "cluster.heartbeat.timeout", "10m",
                            "api.node.secret", SECRET,
                            "proxy.session.secret", "hls-tier-session-secret-0123456789")));
        }
        // The edge reports to one replica only; the store tells the others.
        String hb = "{\"id\":\"edge-1\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":"
                + edge.port() + ",\"state\":\"INSERVICE\",\"streams\":[{\"streamGuid\":\"live/s1\"}]}";
        TestProxy first = replicas.get(0);
        assertThat(Https.send(first.client, "POST", first.base + "/as/v1/nodes/heartbeat", hb,
                "Authorization", "Bearer " + SECRET).statusCode()).isEqualTo(200);
        for (TestProxy p : replicas) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Https.send(p.client, "GET",
                    p.base + "/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1", null).statusCode() == 200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestProxy p : replicas) {
            p.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void sixHundredViewersOverThreeReplicasCostTheEdgeAtMostOneFetchPerSegmentPerReplica() throws Exception {
        edge.clear();
        HttpClient http = Https.trustingClient();
        AtomicInteger next = new AtomicInteger();
        // node path -> the replicas that were asked for it
        Map<String, Set<Integer>> askedOf = new ConcurrentHashMap<>();
        AtomicInteger segmentsReceived = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(48);
        long started = System.nanoTime();
        try {
            List<CompletableFuture<Void>> viewers = new ArrayList<>();
            for (int v = 0; v < VIEWERS; v++) {
                viewers.add(CompletableFuture.runAsync(() -> {
                    HttpResponse<String> playlist = get(http, next, null, "/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1");
                    assertThat(playlist.statusCode()).as(playlist.body()).isEqualTo(200);
                    List<String[]> segments = segments(playlist.body());
                    assertThat(segments).hasSize(5);
                    // near the live edge, as players start: the last three
                    for (String[] s : segments.subList(2, 5)) {
                        HttpResponse<String> ts = get(http, next, askedOf.computeIfAbsent(s[1], k -> ConcurrentHashMap.newKeySet()), s[0]);
                        assertThat(ts.statusCode()).as(s[1]).isEqualTo(200);
                        assertThat(ts.body()).as(s[1]).isEqualTo(segment(s[1]));
                        segmentsReceived.incrementAndGet();
                    }
                }, pool));
            }
            CompletableFuture.allOf(viewers.toArray(new CompletableFuture[0])).get(150, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(segmentsReceived).hasValue(VIEWERS * 3);
        Map<String, Long> fetches = edge.seen().stream().filter(s -> s.path().endsWith(".ts"))
                .collect(Collectors.groupingBy(RecordingNode.Seen::path, TreeMap::new, Collectors.counting()));
        assertThat(fetches.keySet()).isEqualTo(askedOf.keySet());
        // A replica has no other source than the edge, so each replica asked for a segment fetched it at least once;
        // as many fetches as replicas asked means exactly one each.
        for (Map.Entry<String, Long> f : fetches.entrySet()) {
            assertThat(f.getValue()).as("edge fetches of " + f.getKey() + ", asked of replicas " + askedOf.get(f.getKey()))
                    .isEqualTo(askedOf.get(f.getKey()).size());
        }
        long playlistFetches = edge.seen().stream().filter(s -> s.path().endsWith(".m3u8")).count();
        double perSegment = fetches.values().stream().mapToLong(Long::longValue).average().orElse(0);
        System.out.printf("HlsTierTest: %d viewers over %d replicas in %d ms: %d segments, edge fetches per segment "
                + "mean %.2f, max %d (tier of %d); %d playlist fetches; per segment %s%n", VIEWERS, REPLICAS, tookMs,
                fetches.size(), perSegment, fetches.values().stream().mapToLong(Long::longValue).max().orElse(0),
                REPLICAS, playlistFetches, fetches);
        assertThat(fetches.values()).allSatisfy(n -> assertThat(n).isBetween(1L, (long) REPLICAS));
    }

    @Test
    void aSegmentHasOneUrlOnEveryReplicaFromReloadToReload() throws Exception {
        HttpClient http = Https.trustingClient();
        AtomicInteger next = new AtomicInteger();
        // node path -> every proxy URL a playlist gave for it
        Map<String, Set<String>> urls = new TreeMap<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        int reloads = 0;
        while (System.nanoTime() < until || reloads < 12) {
            HttpResponse<String> playlist = get(http, next, null, "/as/v1/proxy/hls/live/s1.m3u8?nodeGroup=ng1&r=" + reloads);
            assertThat(playlist.statusCode()).isEqualTo(200);
            for (String[] s : segments(playlist.body())) {
                urls.computeIfAbsent(s[1], k -> new java.util.HashSet<>()).add(s[0]);
            }
            reloads++;
            Thread.sleep(250); // a player's reload interval, shortened
        }
        assertThat(urls.size()).as("the window slid while we watched: " + urls.keySet()).isGreaterThan(5);
        assertThat(urls).allSatisfy((path, seen) -> assertThat(seen).as(path).hasSize(1));
    }

    /** One request, to the replica the load balancer's turn gives; remembers which replica it was. */
    private static HttpResponse<String> get(HttpClient http, AtomicInteger next, Set<Integer> askedOf, String path) {
        int replica = Math.floorMod(next.getAndIncrement(), REPLICAS);
        if (askedOf != null) {
            askedOf.add(replica);
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create(replicas.get(replica).base + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        } catch (Exception e) {
            throw new IllegalStateException(path + " at replica " + replica + ": " + e, e);
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
