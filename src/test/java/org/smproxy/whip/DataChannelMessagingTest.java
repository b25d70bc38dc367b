package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimPlayer;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.testing.ProxiedCluster;

/**
 * Red5's WHIPClient/WHEPClient messaging on the {@code red5pro} data channel, through the proxy: a WHIP publisher on
 * the origin, a WHEP viewer on an edge, both speaking to the proxy only, as the testbed's data-channel, metadata and
 * mute pages do. Needs a non-loopback interface (run under netns-run).
 */
class DataChannelMessagingTest {
    static final String SECRET = "datachannel-nodes-0123456789ab";
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final Duration MESSAGE = Duration.ofSeconds(10);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static SyntheticVideo camera;
    static SimPublisher publisher;
    static SimPlayer viewer;
    static SimNode servingEdge;

    @BeforeAll
    static void publishAndPlay() throws Exception {
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of());
        camera = new SyntheticVideo(fixture.cluster.media(), 320, 240, 180);
        publisher = SimPublisher.publish(fixture.cluster.media(), proxy("/as/v1/proxy/whip/live/chat?nodeGroup=ng1"),
                Map.of("mode", "live", "keyFramerate", "3000", "signal", "true"), camera);
        await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded("live/chat") > 10);
        awaitCarried("live/chat");
        viewer = SimPlayer.play(fixture.cluster.media(),
                proxy("/as/v1/proxy/whep/live/chat?requestId=chat-viewer&nodeGroup=ng1"), Map.of("signal", "true"));
        publisher.awaitChannelOpen(MEDIA);
        viewer.awaitChannelOpen(MEDIA);
        servingEdge = fixture.edge1.subscriberCount("live/chat") == 1 ? fixture.edge1 : fixture.edge2;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {viewer, publisher, camera, fixture}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // tearing down: the next one still has to close
            }
        }
    }

    /** An edge carries the stream, so the proxy can send a viewer there. */
    static void awaitCarried(String stream) {
        await().atMost(MESSAGE).until(() -> fixture.proxy.server.core().cluster().stream("ng1", stream)
                .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false));
    }

    static URI proxy(String path) {
        return URI.create(fixture.proxy.base + path);
    }

    @Test
    void aPublishersSendAndRawMessagesReachAnEdgeViewerInOrder() throws Exception {
        assertThat(servingEdge.subscriberCount("live/chat")).isEqualTo(1);
        int seen = viewer.channelMessages().size();
        publisher.send("incomingNotification", "{\"message\":\"What lovely weather today.\",\"timestamp\":1}");
        String raw = "{\"message\":\"raw hello\",\"timestamp\":2}";
        publisher.sendOnChannel(raw);
        publisher.sendOnChannel("not json at all");

        List<String> got = awaitMessages(seen, 3);
        JsonNode rpc = JSON.readTree(got.get(0));
        assertThat(rpc.path("type").asText()).isEqualTo("metadata");
        assertThat(rpc.path("method").asText()).isEqualTo("incomingNotification");
        assertThat(rpc.path("data").path("message").asText()).isEqualTo("What lovely weather today.");
        assertThat(got.subList(1, 3)).containsExactly(raw, "not json at all");
    }

    @Test
    void aPublishersBinaryMessageReachesTheViewerAsItWasSent() throws Exception {
        byte[] audio = {0x1a, 0x45, (byte) 0xdf, (byte) 0xa3, 0, 1, 2, 3};
        publisher.sendBytesOnChannel(audio);
        await().atMost(MESSAGE).until(() -> viewer.binaryChannelMessages().stream().anyMatch(
                b -> java.util.Arrays.equals(b, audio)));
    }

    @Test
    void aPublishersLogLineIsNotRelayed() throws Exception {
        int seen = viewer.channelMessages().size();
        publisher.sendOnChannel("{\"log\":\"DEBUG\",\"message\":\"for the server only\"}");
        publisher.send("incomingNotification", "{\"message\":\"after the log\"}");
        List<String> got = awaitMessages(seen, 1);
        assertThat(got.get(0)).contains("after the log");
    }

    @Test
    void onMetaDataReachesTheViewer() throws Exception {
        int seen = viewer.channelMessages().size();
        publisher.send("onMetaData", "{\"metadata\":{\"title\":\"chat\"},\"orientation\":0}");
        JsonNode metadata = awaitFrame(seen, f -> "onMetaData".equals(f.path("method").asText())
                && f.path("data").has("metadata"));
        assertThat(metadata.path("type").asText()).isEqualTo("metadata");
        assertThat(metadata.path("data").path("metadata").path("title").asText()).isEqualTo("chat");
    }

    @Test
    void aViewersCallToAnUnknownMethodFailsAndItsSessionGoesOn() throws Exception {
        int seen = viewer.channelMessages().size();
        viewer.sendOnChannel("{\"callAdapter\":{\"method\":\"noSuchMethod\",\"arguments\":[1]},\"id\":\"c0ffee\","
                + "\"async\":true}");
        JsonNode failure = awaitFrame(seen, f -> "c0ffee".equals(f.path("id").asText()));
        assertThat(failure.path("async").asBoolean()).isTrue();
        assertThat(failure.path("error").path("code").asText()).isEqualTo("NetConnection.Call.Failed");
        assertThat(failure.path("error").path("description").asText())
                .isEqualTo("Method noSuchMethod with parameters [1] not found");

        long frames = viewer.framesDecoded();
        await().atMost(MEDIA).until(() -> viewer.framesDecoded() > frames + 10);
        publisher.send("incomingNotification", "{\"message\":\"still there?\"}");
        awaitFrame(seen, f -> "still there?".equals(f.path("data").path("message").asText()));
        assertThat(servingEdge.subscriberCount("live/chat")).isEqualTo(1);
    }

    @Test
    void aViewersMuteAndUnmuteAreAnsweredWithWhatItNowGets() throws Exception {
        int seen = viewer.channelMessages().size();
        viewer.sendOnChannel("{\"mute\":{\"muteVideo\":true}}");
        assertThat(streamingMode(awaitMessages(seen, 1).get(0))).isEqualTo("Audio");
        AtomicLong last = new AtomicLong(-1);
        await().atMost(MEDIA).pollInterval(Duration.ofMillis(700)) // no frame for 0.7 s at 30 fps: held back
                .until(() -> last.getAndSet(viewer.framesDecoded()) == viewer.framesDecoded());
        viewer.sendOnChannel("{\"mute\":{\"muteVideo\":false}}");
        assertThat(streamingMode(awaitMessages(seen + 1, 1).get(0))).isEqualTo("Video/Audio");
        long frames = viewer.framesDecoded();
        await().atMost(MEDIA).until(() -> viewer.framesDecoded() > frames + 10); // the video came back
    }

    @Test
    void aPublishersMuteTellsItsViewersTheStreamingMode() throws Exception {
        int seen = viewer.channelMessages().size();
        publisher.sendOnChannel("{\"mute\":{\"muteAudio\":true}}");
        awaitFrame(seen, f -> "Video".equals(f.path("data").path("streamingMode").asText()));
        int muted = viewer.channelMessages().size();
        publisher.sendOnChannel("{\"mute\":{\"muteAudio\":false}}");
        awaitFrame(muted, f -> "Video/Audio".equals(f.path("data").path("streamingMode").asText()));
    }

    @Test
    void aWhepViewerHearsTheUnpublishOnItsChannel() throws Exception {
        try (SimPublisher leaving = SimPublisher.publish(fixture.cluster.media(),
                proxy("/as/v1/proxy/whip/live/leaving?nodeGroup=ng1"), Map.of("mode", "live", "signal", "true"), camera)) {
            await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded("live/leaving") > 10);
            awaitCarried("live/leaving");
            try (SimPlayer watcher = SimPlayer.play(fixture.cluster.media(),
                    proxy("/as/v1/proxy/whep/live/leaving?requestId=watcher&nodeGroup=ng1"), Map.of("signal", "true"))) {
                watcher.awaitChannelOpen(MEDIA);
                assertThat(leaving.delete()).isEqualTo(200);
                await().atMost(MESSAGE).until(() -> watcher.channelMessages().stream()
                        .anyMatch(m -> m.contains("NetStream.Play.UnpublishNotify")));
            }
        }
    }

    private static String streamingMode(String frame) throws Exception {
        JsonNode f = JSON.readTree(frame);
        assertThat(f.path("method").asText()).isEqualTo("onMetaData");
        return f.path("data").path("streamingMode").asText();
    }

    private static List<String> awaitMessages(int after, int count) {
        await().atMost(MESSAGE).until(() -> viewer.channelMessages().size() >= after + count);
        return viewer.channelMessages().subList(after, after + count);
    }

    /** The first wanted frame the viewer got after its first {@code after} messages (earlier tests' are older). */
    private static JsonNode awaitFrame(int after, Predicate<JsonNode> wanted) {
        return await().atMost(MESSAGE).until(() -> {
            List<String> got = viewer.channelMessages();
            return got.subList(Math.min(after, got.size()), got.size()).stream()
                    .map(DataChannelMessagingTest::parse).flatMap(Optional::stream).filter(wanted).findFirst();
        }, Optional::isPresent).orElseThrow();
    }

    private static Optional<JsonNode> parse(String text) {
        try {
            return Optional.of(JSON.readTree(text));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
