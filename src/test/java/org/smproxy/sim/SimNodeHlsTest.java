package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Live HLS from simulated nodes (ffmpeg test pattern); plain HTTP, no media network needed. */
@Timeout(120)
class SimNodeHlsTest {

    private static final String STREAM = "live/stream1";
    private static final Pattern MEDIA_SEQUENCE = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:(\\d+)");
    private static final Pattern TARGET_DURATION = Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Every ffmpeg (and watchdog) this class started: none may survive the cluster. */
    private static final List<ProcessHandle> PROCESSES = new CopyOnWriteArrayList<>();
    private static final List<Path> DIRS = new CopyOnWriteArrayList<>();

    private static SimCluster cluster;
    private static SimNode origin;

    @BeforeAll
    static void startOriginHls() {
        cluster = new SimCluster();
        origin = cluster.startOrigin("origin-1");
        origin.startHls(STREAM);
        track(origin, STREAM);
    }

    @AfterAll
    static void stopEverything() {
        cluster.close();
        assertThat(PROCESSES).allSatisfy(p -> assertThat(p.isAlive()).as("ffmpeg process %d", p.pid()).isFalse());
        assertThat(DIRS).allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void playlistIsLiveAndAdvances() throws Exception {
        URI url = origin.hlsUrl(STREAM);
        assertThat(url.toString()).endsWith(":" + origin.httpPort() + "/live/stream1.m3u8");
        HttpResponse<byte[]> first = get(url, "GET");
        String playlist = text(first);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/vnd.apple.mpegurl"));
        assertThat(first.headers().firstValue("Cache-Control")).hasValue("max-age=1");
        assertThat(first.headers().firstValueAsLong("Content-Length")).hasValue(first.body().length);
        assertThat(playlist).startsWith("#EXTM3U").contains("#EXT-X-INDEPENDENT-SEGMENTS");
        assertThat(Long.parseLong(find(TARGET_DURATION, playlist))).isBetween(1L, 2L);
        assertThat(segments(playlist)).isNotEmpty().allMatch(s -> s.matches("stream1_\\d+\\.ts"));

        long sequence = mediaSequence(playlist);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> mediaSequence(text(get(url, "GET"))), s -> s > sequence);
    }

    @Test
    void segmentsAreMpegTsWithRanges() throws Exception {
        URI segment = lastSegment(origin, STREAM);
        HttpResponse<byte[]> ts = get(segment, "GET");
        assertThat(ts.statusCode()).isEqualTo(200);
        assertThat(ts.headers().firstValue("Content-Type")).hasValue("video/mp2t");
        assertThat(ts.headers().firstValue("Cache-Control")).hasValue("max-age=86400");
        assertThat(ts.headers().firstValueAsLong("Content-Length")).hasValue(ts.body().length);
        byte[] body = ts.body();
        assertThat(body.length).isGreaterThan(188 * 10).satisfies(n -> assertThat(n % 188).isZero());
        assertThat(body[0]).isEqualTo((byte) 0x47);
        assertThat(body[188]).isEqualTo((byte) 0x47);

        HttpResponse<byte[]> head = get(segment, "HEAD");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(body.length);
        assertThat(head.body()).isEmpty();

        HttpResponse<byte[]> range = get(segment, "GET", "Range", "bytes=188-375");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 188-375/" + body.length);
        assertThat(range.body()).hasSize(188).startsWith((byte) 0x47);
        assertThat(get(segment, "GET", "Range", "bytes=" + body.length + "-").statusCode()).isEqualTo(416);
    }

    @Test
    void countsRequestsPerPath() throws Exception {
        URI segment = lastSegment(origin, STREAM);
        String path = segment.getPath();
        long before = origin.hlsRequests(path);
        long total = origin.hlsRequests();
        get(segment, "GET");
        get(segment, "HEAD");
        get(origin.baseUrl().resolve("/live/never.m3u8"), "GET");
        assertThat(origin.hlsRequests(path)).isEqualTo(before + 2);
        assertThat(origin.hlsRequests(path.substring(1))).isEqualTo(before + 2);
        assertThat(origin.hlsRequests("/live/never.m3u8")).isPositive();
        assertThat(origin.hlsRequests()).isEqualTo(total + 3);
        assertThat(origin.hlsRequestCounts()).containsEntry(path, before + 2);
    }

    @Test
    void unknownStreamsAndMethodsAreRefused() throws Exception {
        URI base = origin.baseUrl();
        assertThat(get(base.resolve("/live/nope.m3u8"), "GET").statusCode()).isEqualTo(404);
        assertThat(get(base.resolve("/live/nope_1.ts"), "GET").statusCode()).isEqualTo(404);
        assertThat(get(base.resolve("/other/stream1.m3u8"), "GET").statusCode()).isEqualTo(404);
        assertThat(get(base.resolve("/live/stream1_1.ts"), "GET").statusCode()).isEqualTo(404);
        assertThat(get(base.resolve("/stream1.m3u8"), "GET").statusCode()).isEqualTo(404);
        assertThat(get(origin.hlsUrl(STREAM), "DELETE").statusCode()).isEqualTo(405);
        assertThatThrownBy(() -> origin.startHls("stream1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> origin.startHls("other/stream1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> origin.startHls("live/a b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tokenGuardsPlaylistsOnly() throws Exception {
        SimNode node = cluster.start(cluster.config("aio-token", NodeRole.ALLINONE).hlsToken("secret"), null);
        URI url = node.startHls("live/room1/cam");
        track(node, "live/room1/cam");
        assertThat(url.getPath()).isEqualTo("/live/room1/cam.m3u8");
        assertThat(get(url, "GET").statusCode()).isEqualTo(401);
        assertThat(get(URI.create(url + "?token=wrong"), "GET").statusCode()).isEqualTo(401);
        HttpResponse<byte[]> ok = get(URI.create(url + "?username=u&password=p&token=secret"), "GET");
        assertThat(ok.statusCode()).isEqualTo(200);
        URI segment = url.resolve(segments(text(ok)).get(0));
        assertThat(get(segment, "GET").statusCode()).isEqualTo(200);
        node.stop();
    }

    @Test
    void edgesServeTheirOwnCopyAndSurviveEachOther() throws Exception {
        SimNode edgeA = cluster.startEdge("edge-a", origin);
        SimNode edgeB = cluster.startEdge("edge-b", origin);
        assertThat(streams(edgeA)).containsEntry(STREAM, false);
        assertThat(streams(origin)).containsEntry(STREAM, true);
        edgeA.startHls(STREAM);
        edgeB.startHls(STREAM);
        track(edgeA, STREAM);
        track(edgeB, STREAM);
        assertThat(edgeA.hls().packager(STREAM).orElseThrow().dir())
                .isNotEqualTo(edgeB.hls().packager(STREAM).orElseThrow().dir());

        URI fromA = lastSegment(edgeA, STREAM);
        ProcessHandle ffmpegA = edgeA.hls().packager(STREAM).orElseThrow().process();
        edgeA.stop();
        assertThat(ffmpegA.isAlive()).isFalse();
        assertThatThrownBy(() -> get(fromA, "GET")).isInstanceOf(IOException.class);
        assertThat(get(edgeB.hlsUrl(STREAM), "GET").statusCode()).isEqualTo(200);
        assertThat(get(lastSegment(edgeB, STREAM), "GET").statusCode()).isEqualTo(200);
        assertThat(edgeB.hlsRequests(edgeB.hlsUrl(STREAM).getPath())).isEqualTo(2);
        edgeB.stop();
    }

    @Test
    void stopHlsEndsTheStreamAndARestartNeverReusesSegmentNames() throws Exception {
        SimNode node = cluster.startAllInOne("aio-restart");
        URI url = node.startHls("live/short");
        track(node, "live/short");
        HlsPackager packager = node.hls().packager("live/short").orElseThrow();
        List<String> before = segments(text(get(url, "GET")));
        assertThat(node.stopHls("live/short")).isTrue();
        assertThat(packager.isAlive()).isFalse();
        assertThat(packager.dir()).doesNotExist();
        assertThat(get(url, "GET").statusCode()).isEqualTo(404);
        assertThat(node.stopHls("live/short")).isFalse();
        assertThat(node.hlsStreams()).isEmpty();

        node.startHls("live/short");
        track(node, "live/short");
        List<String> after = segments(text(get(url, "GET")));
        assertThat(segmentNumber(after.get(0))).isGreaterThan(segmentNumber(before.get(before.size() - 1)));
        node.stop();
        assertThat(node.hlsStreams()).isEmpty();
        assertThatThrownBy(() -> node.startHls("live/short")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingFfmpegIsAClearError() {
        System.setProperty(Ffmpeg.PROPERTY, "/nonexistent/ffmpeg");
        try {
            assertThatThrownBy(() -> origin.startHls("live/nothing")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ffmpeg not found").hasMessageContaining("apt-get install ffmpeg");
            assertThat(origin.hlsStreams()).doesNotContain("live/nothing");
        } finally {
            System.clearProperty(Ffmpeg.PROPERTY);
        }
    }

    @Test
    void parsesByteRanges() {
        assertThat(ByteRange.parse("bytes=0-99", 1000)).hasValue(new ByteRange(0, 99));
        assertThat(ByteRange.parse("bytes=900-", 1000)).hasValue(new ByteRange(900, 999));
        assertThat(ByteRange.parse("bytes=-100", 1000)).hasValue(new ByteRange(900, 999));
        assertThat(ByteRange.parse("bytes=0-5000", 1000)).hasValue(new ByteRange(0, 999));
        assertThat(ByteRange.parse("bytes=1000-", 1000).orElseThrow().satisfiable()).isFalse();
        assertThat(ByteRange.parse("bytes=0-1,5-6", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=9-1", 1000)).isEmpty();
        assertThat(ByteRange.parse("items=0-1", 1000)).isEmpty();
    }

    private static void track(SimNode node, String streamGuid) {
        HlsPackager packager = node.hls().packager(streamGuid).orElseThrow();
        PROCESSES.add(packager.process());
        packager.process().descendants().forEach(PROCESSES::add);
        DIRS.add(packager.dir());
    }

    private static HttpResponse<byte[]> get(URI uri, String method, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static List<String> segments(String playlist) {
        return playlist.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private static URI lastSegment(SimNode node, String streamGuid) throws Exception {
        URI url = node.hlsUrl(streamGuid);
        List<String> segments = segments(text(get(url, "GET")));
        return url.resolve(segments.get(segments.size() - 1));
    }

    private static long segmentNumber(String segment) {
        return Long.parseLong(segment.replaceAll(".*_(\\d+)\\.ts$", "$1"));
    }

    private static long mediaSequence(String playlist) {
        return Long.parseLong(find(MEDIA_SEQUENCE, playlist));
    }

    private static String find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Boolean> streams(SimNode node) {
        Map<String, Boolean> out = new java.util.TreeMap<>();
        ((List<Map<String, Object>>) node.heartbeatPayload().get("streams"))
                .forEach(s -> out.put((String) s.get("streamGuid"), (Boolean) s.get("publishing")));
        return out;
    }
}
