package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.ProxiedCluster;

/**
 * Recording as Red5's publishStreamManagerProxyRecord and playbackVODStreamManagerList pages use it, all through
 * the proxy: a {@code mode=record} WHIP publish, the origin's {@code /live/playlists} through the forward proxy,
 * and the recording's playlist and segments fetched the same way and measured by ffprobe.
 * Real WebRTC and ffmpeg: run under netns-run.
 */
class RecordVodTest {
    static final String SECRET = "vod-nodes-0123456789abcdef";
    static final String ADMIN = "vod-admin-token-0123456789";
    static final Duration MEDIA = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    @TempDir
    static Path downloads;
    static ProxiedCluster fixture;
    static SimNode origin;
    static SyntheticVideo camera;

    @BeforeAll
    static void start() throws Exception {
        fixture = ProxiedCluster.start(dir, SECRET, null, Map.of("api.admin.token", ADMIN));
        origin = fixture.origin;
        camera = new SyntheticVideo(fixture.cluster.media(), 320, 240, 180);
    }

    @AfterAll
    static void stop() {
        if (camera != null) {
            camera.close();
        }
        if (fixture != null) {
            Path storage = origin.recordingStorage();
            fixture.close();
            assertThat(storage).doesNotExist(); // a stopped node leaves no recordings behind
        }
    }

    @Test
    void aRecordedPublishIsListedAndPlaysBackThroughTheProxyAndAppendContinuesIt() throws Exception {
        double published = publish("rec1", "record", 3);
        await().atMost(Duration.ofSeconds(15)).until(() -> origin.recordings("live").contains("rec1.m3u8"));

        JsonNode listing = JSON.readTree(forward("/live/playlists?useCloud=true").body());
        JsonNode entry = listing.path("playlists").get(0);
        assertThat(entry.path("name").asText()).isEqualTo("rec1.m3u8");
        assertThat(entry.path("url").asText()).isEqualTo(origin.baseUrl() + "/live/streams/rec1.m3u8");
        assertThat(JSON.readTree(forward("/live/mediafiles?useCloud=false").body()).path("mediafiles").isArray()).isTrue();

        String playlist = forward("/live/streams/rec1.m3u8").body();
        assertThat(playlist).contains("#EXT-X-PLAYLIST-TYPE:VOD").contains("#EXT-X-ENDLIST");
        double probed = probe(download("rec1", playlist));
        assertThat(probed).isCloseTo(published, org.assertj.core.data.Offset.offset(3.0));

        double appended = publish("rec1", "append", 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> origin.recordings("live").contains("rec1.m3u8"));
        String longer = forward("/live/streams/rec1.m3u8").body();
        assertThat(longer).contains("#EXT-X-DISCONTINUITY").contains("#EXT-X-ENDLIST")
                .contains(playlist.substring(playlist.indexOf("#EXTINF"), playlist.indexOf("#EXT-X-ENDLIST")));
        assertThat(probe(download("rec1-appended", longer)))
                .isCloseTo(published + appended, org.assertj.core.data.Offset.offset(5.0));
    }

    @Test
    void aLivePublishWritesNothing() throws Exception {
        publish("plain", "live", 2);
        assertThat(origin.recordings("live")).doesNotContain("plain.m3u8");
        try (Stream<Path> files = Files.walk(origin.recordingStorage())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("plain"));
        }
        assertThat(forward("/live/streams/plain.m3u8").statusCode()).isEqualTo(404);
    }

    /** Publishes through the proxy until the recording has {@code segments} segments; returns seconds of media. */
    static double publish(String name, String mode, int segments) throws Exception {
        String guid = "live/" + name;
        long framesBefore = origin.framesDecoded(guid);
        Path streams = origin.recordingStorage().resolve("live/streams");
        double seconds;
        try (SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                URI.create(fixture.proxy.base + "/as/v1/proxy/whip/" + guid + "?nodeGroup=ng1"),
                Map.of("mode", mode, "keyFramerate", "3000"), camera)) {
            await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > framesBefore);
            long first = System.nanoTime();
            await().atMost(MEDIA).until(() -> origin.hls().servesPublished(guid));
            if (mode.equals("live")) {
                await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > framesBefore + 60);
            } else {
                long before = segments(streams, name);
                await().atMost(MEDIA).until(() -> segments(streams, name) >= before + segments);
            }
            seconds = (System.nanoTime() - first) / 1e9;
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !origin.isPublishing(guid));
        return seconds;
    }

    static long segments(Path dir, String name) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches(Pattern.quote(name) + "_\\d+\\.ts")).count();
        }
    }

    /** The node's path fetched through the forward proxy with the admin token, as the testbed's page asks it. */
    static HttpResponse<String> forward(String nodePath) throws Exception {
        return fixture.proxy.client.send(forwardRequest(nodePath), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest forwardRequest(String nodePath) {
        String target = URLEncoder.encode(origin.baseUrl() + nodePath, StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create(fixture.proxy.base + "/as/v1/proxy/forward/?target=" + target))
                .header("Authorization", "Bearer " + ADMIN).timeout(Duration.ofSeconds(20)).GET().build();
    }

    /**
     * The playlist and every segment it names, each fetched through the forward proxy (whose URL a player could
     * not resolve relative segment names against), into a local folder.
     */
    static Path download(String folder, String playlist) throws Exception {
        Path local = Files.createDirectories(downloads.resolve(folder));
        Files.writeString(local.resolve("index.m3u8"), playlist);
        Matcher segment = Pattern.compile("(?m)^([^#\\s][^\\s]*\\.ts)$").matcher(playlist);
        int n = 0;
        while (segment.find()) {
            HttpResponse<byte[]> r = fixture.proxy.client.send(forwardRequest("/live/streams/" + segment.group(1)),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).as(segment.group(1)).isEqualTo(200);
            Files.write(local.resolve(segment.group(1)), r.body());
            n++;
        }
        assertThat(n).isGreaterThan(0);
        return local.resolve("index.m3u8");
    }

    static double probe(Path playlist) throws Exception {
        String ffprobe = Path.of(Ffmpeg.binary()).resolveSibling("ffprobe").toString();
        Process p = new ProcessBuilder(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                playlist.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return Double.parseDouble(out.lines().reduce((a, b) -> b).orElseThrow());
    }
}
