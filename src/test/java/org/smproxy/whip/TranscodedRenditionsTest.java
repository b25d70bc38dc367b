package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimPlayer;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.testing.Https;
import org.smproxy.testing.ProxiedCluster;

/**
 * Red5's ABR testbed against a simulated transcoder, through the proxy only: provision three renditions, publish
 * {@code <s>_1} with {@code transcode=true}, then play every rendition over WHEP from an edge at its own size and one
 * as HLS. Real WebRTC and ffmpeg: run under netns-run.
 */
class TranscodedRenditionsTest {
    static final String SECRET = "transcoder-nodes-0123456789";
    static final String ADMIN = "transcoder-admin-0123456789";
    static final Duration MEDIA = Duration.ofSeconds(30);
    static final Map<String, String> SIZES = Map.of("live/abr_1", "640x360", "live/abr_2", "480x270",
            "live/abr_3", "320x180");
    static final String PROVISION = """
            [{"provisionGuid":"live/abr","streams":[
              {"streamGuid":"live/abr_1","abrLevel":1,"videoParams":{"videoWidth":640,"videoHeight":360,"videoBitRate":1000000}},
              {"streamGuid":"live/abr_2","abrLevel":2,"videoParams":{"videoWidth":480,"videoHeight":270,"videoBitRate":600000}},
              {"streamGuid":"live/abr_3","abrLevel":3,"videoParams":{"videoWidth":320,"videoHeight":180,"videoBitRate":300000}}]}]""";

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static SimNode transcoder;
    static SyntheticVideo camera;

    @BeforeAll
    static void start() throws Exception {
        fixture = ProxiedCluster.start(dir, SECRET, null, Map.of("api.admin.token", ADMIN),
                node -> node.provisionSource(node.proxyBase(), ADMIN));
        transcoder = fixture.cluster.startTranscoder("transcoder-1");
        await().atMost(Duration.ofSeconds(15)).until(() -> fixture.inService("transcoder-1"));
        camera = new SyntheticVideo(fixture.cluster.media(), 640, 360, 180);
    }

    @AfterAll
    static void stop() {
        if (camera != null) {
            camera.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    static URI proxy(String path) {
        return URI.create(fixture.proxy.base + path);
    }

    @Test
    void aTranscodedPublishIsPlayedAsEveryRenditionAtItsOwnSizeAndEndsWithThePublisher() throws Exception {
        HttpResponse<String> created = Https.send(fixture.proxy.client, "POST", fixture.proxy.base
                + "/as/v1/streams/provision/ng1", PROVISION, "Content-Type", "application/json",
                "Authorization", "Bearer " + ADMIN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        SimNode origin = fixture.origin;
        try (SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                proxy("/as/v1/proxy/whip/live/abr_1?nodeGroup=ng1&transcode=true"), Map.of("mode", "live"), camera)) {
            await().atMost(MEDIA).until(() -> transcoder.framesDecoded("live/abr_1") > 30);
            await().atMost(MEDIA).until(() -> origin.publishingStreams().containsAll(SIZES.keySet()));
            assertThat(transcoder.renditions()).containsExactlyInAnyOrderElementsOf(SIZES.keySet());
            awaitCarriedByAnEdge(SIZES.keySet());

            List<SimPlayer> viewers = new ArrayList<>();
            try {
                for (String guid : SIZES.keySet()) {
                    viewers.add(SimPlayer.play(fixture.cluster.media(), proxy("/as/v1/proxy/whep/" + guid
                            + "?requestId=viewer-" + guid.replace('/', '-') + "&nodeGroup=ng1"), Map.of()));
                }
                int i = 0;
                for (String guid : SIZES.keySet()) {
                    SimPlayer viewer = viewers.get(i++);
                    await().atMost(MEDIA).untilAsserted(() -> assertThat(viewer.lastFrameSize()).as(guid)
                            .isEqualTo(SIZES.get(guid)));
                    assertThat(viewer.lastLuma()).as(guid).isBetween(160.0, 200.0); // the publisher's picture
                }
                assertThat(fixture.edge1.subscriberCount() + fixture.edge2.subscriberCount()).isEqualTo(3);
            } finally {
                viewers.forEach(SimPlayer::close);
            }

            assertThat(hlsSegmentSize("live/abr_2")).isEqualTo("480x270");

            assertThat(publisher.delete()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.publishingStreams().isEmpty()
                    && transcoder.renditions().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> SIZES.keySet().stream()
                    .allMatch(guid -> fixture.model().stream("ng1", guid).isEmpty()));
        }
    }

    /**
     * A 4:3 camera (Chromium's fake one is 640x480) for a 640x360 rendition: only a crop, no scaling, which once
     * aborted the JVM inside webrtc-java. The rendition plays at its size.
     */
    @Test
    void aFourByThreeCameraIsCroppedToAWideRendition() throws Exception {
        String provision = "[{\"provisionGuid\":\"live/wide\",\"streams\":[{\"streamGuid\":\"live/wide_1\",\"abrLevel\":1,"
                + "\"videoParams\":{\"videoWidth\":640,\"videoHeight\":360,\"videoBitRate\":1000000}}]}]";
        assertThat(Https.send(fixture.proxy.client, "POST", fixture.proxy.base + "/as/v1/streams/provision/ng1", provision,
                "Content-Type", "application/json", "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(201);
        try (SyntheticVideo fourByThree = new SyntheticVideo(fixture.cluster.media(), 640, 480, 180);
             SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                     proxy("/as/v1/proxy/whip/live/wide_1?nodeGroup=ng1&transcode=true"), Map.of("mode", "live"),
                     fourByThree)) {
            await().atMost(MEDIA).until(() -> fixture.origin.publishingStreams().contains("live/wide_1"));
            awaitCarriedByAnEdge(List.of("live/wide_1"));
            try (SimPlayer viewer = SimPlayer.play(fixture.cluster.media(),
                    proxy("/as/v1/proxy/whep/live/wide_1?requestId=wide-viewer&nodeGroup=ng1"), Map.of())) {
                await().atMost(MEDIA).untilAsserted(() -> assertThat(viewer.lastFrameSize()).isEqualTo(SIZES.get("live/abr_1")));
            }
            assertThat(publisher.delete()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> fixture.origin.publishingStreams().isEmpty());
        }
    }

    @Test
    void aPublishNoProvisionNamesIsTakenByTheTranscoderAndGoesNowhere() throws Exception {
        try (SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                transcoder.whipEndpoint("live/unprovisioned"), Map.of("mode", "live"), camera)) {
            await().atMost(MEDIA).until(() -> transcoder.framesDecoded("live/unprovisioned") > 10);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() ->
                    transcoder.renditions().isEmpty() && fixture.origin.publishingStreams().isEmpty());
            assertThat(publisher.delete()).isEqualTo(200);
        }
    }

    static void awaitCarriedByAnEdge(Iterable<String> guids) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String guid : guids) {
                boolean carried = fixture.model().stream("ng1", guid)
                        .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false);
                if (!carried) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The picture size of a segment of the rendition's HLS, fetched through the proxy, as ffprobe reads it. */
    static String hlsSegmentSize(String guid) throws Exception {
        URI playlist = proxy("/as/v1/proxy/hls/" + guid + ".m3u8?nodeGroup=ng1");
        String[] segment = new String[1];
        await().atMost(MEDIA).until(() -> {
            HttpResponse<String> r = Https.send(fixture.proxy.client, "GET", playlist.toString(), null);
            segment[0] = r.statusCode() != 200 ? null : r.body().lines().filter(l -> l.endsWith(".ts")
                    || l.contains(".ts?")).reduce((a, b) -> b).orElse(null);
            return segment[0] != null;
        });
        HttpResponse<byte[]> ts = fixture.proxy.client.send(HttpRequest.newBuilder(playlist.resolve(segment[0])).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ts.statusCode()).isEqualTo(200);
        Path file = Files.write(dir.resolve("segment.ts"), ts.body());
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=width,height", "-of", "csv=s=x:p=0", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.lines().filter(l -> !l.isBlank()).findFirst().orElse(out); // ffprobe may repeat it per program

    }
}
