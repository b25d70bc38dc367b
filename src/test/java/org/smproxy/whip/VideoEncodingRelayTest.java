package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimPlayer;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SimWsOptions;
import org.smproxy.sim.SimWsPlayer;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.testing.ProxiedCluster;

/**
 * Red5's testbed asks an edge for a codec ({@code videoEncoding}: WHEP POST query, WebSocket {@code requestOffer});
 * through the proxy, the viewer's answer and the RTP it decodes use that codec. No value, {@code NONE} (which the
 * SDK never sends) and unknown values keep the default, VP8. Needs a non-loopback interface (netns-run).
 */
@Timeout(180)
class VideoEncodingRelayTest {
    static final String SECRET = "codec-nodes-0123456789abcdef";
    static final String GUID = "live/codecs";
    static final int LUMA = 180;
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final SimWsOptions CLIENT = SimWsOptions.defaults().withTimeout(Duration.ofSeconds(20));

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static SyntheticVideo camera;
    static SimPublisher publisher;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        fixture = ProxiedCluster.start(dir, SECRET, null, Map.of("proxy.enabled", "true"));
        camera = new SyntheticVideo(fixture.cluster.media(), 320, 240, LUMA);
        publisher = SimPublisher.publish(fixture.cluster.media(), proxy("/as/v1/proxy/whip/" + GUID + "?nodeGroup=ng1"),
                Map.of("mode", "live", "keyFramerate", "3000"), camera);
        await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded(GUID) > 30);
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.model().stream("ng1", GUID)
                .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false));
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (camera != null) {
            camera.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest(name = "WHEP videoEncoding={0} plays {1}")
    @CsvSource(nullValues = "-", value = {"VP8, VP8", "h264, H264", "VP9, VP9", "AV1, AV1", "-, VP8", "NONE, VP8",
            "THEORA, VP8"})
    void aWhepViewerDecodesTheCodecItAskedFor(String videoEncoding, String expected) throws Exception {
        Map<String, String> post = new HashMap<>(Map.of("signal", "true"));
        if (videoEncoding != null) {
            post.put("videoEncoding", videoEncoding);
        }
        String requestId = "whep-" + videoEncoding;
        try (SimPlayer viewer = SimPlayer.play(fixture.cluster.media(),
                proxy("/as/v1/proxy/whep/" + GUID + "?requestId=" + requestId + "&nodeGroup=ng1"), post)) {
            assertThat(viewer.answerVideoCodec()).hasValue(expected);
            await().atMost(MEDIA).until(() -> viewer.framesDecoded() > 30);
            assertThat(viewer.lastLuma()).as("the publisher's picture").isBetween(LUMA - 25.0, LUMA + 25.0);
            await().atMost(Duration.ofSeconds(5)).until(viewer::receivedVideoCodec, Optional::isPresent);
            assertThat(viewer.receivedVideoCodec()).hasValue(expected);
        }
    }

    @ParameterizedTest(name = "WebSocket videoEncoding={0} plays {1}")
    @CsvSource(nullValues = "-", value = {"VP8, VP8", "H264, H264", "-, VP8"})
    void aWebSocketViewerDecodesTheCodecItAskedFor(String videoEncoding, String expected) throws Exception {
        String id = "ws-" + videoEncoding;
        URI url = URI.create(fixture.proxy.wss + "/as/v1/proxy/ws/subscribe/" + GUID + "?id=" + id + "&nodeGroup=ng1");
        try (SimWsPlayer viewer = SimWsPlayer.play(fixture.cluster.media(), url, "codecs", id,
                CLIENT.withVideoEncoding(videoEncoding))) {
            assertThat(viewer.answerVideoCodec()).hasValue(expected);
            await().atMost(MEDIA).until(() -> viewer.framesDecoded() > 30);
            assertThat(viewer.lastLuma()).as("the publisher's picture").isBetween(LUMA - 25.0, LUMA + 25.0);
            await().atMost(Duration.ofSeconds(5)).until(viewer::receivedVideoCodec, Optional::isPresent);
            assertThat(viewer.receivedVideoCodec()).hasValue(expected);
        }
    }

    static URI proxy(String path) {
        return URI.create(fixture.proxy.base + path);
    }
}
