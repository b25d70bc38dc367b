package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.testing.ProxiedCluster;

/**
 * Chromium as the viewer of Red5's data-channel pages: it plays through the proxy with the project's browser client
 * (smproxy-client.js, WHEP with {@code signal=true}) and reads the {@code red5pro} channel as the SDK would, while a
 * WHIP publisher sends on its own channel. Needs a non-loopback interface (run under netns-run).
 */
@Timeout(180)
class BrowserDataChannelIT {

    static final String SECRET = "browser-channel-0123456789abcd";
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static SyntheticVideo camera;
    static PageServer pages;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of());
        camera = new SyntheticVideo(fixture.cluster.media(), 320, 240, 180);
        pages = new PageServer(dir, Path.of(System.getProperty("basedir", "."), "target", "web-deps"));
        browser = Browser.start(dir.resolve("browser"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {browser, pages, camera, fixture}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // tearing down: the next one still has to close
            }
        }
    }

    @Test
    void aBrowserViewerOnAnEdgeGetsThePublishersMessagesAndItsFailedCall() throws Exception {
        String proxy = fixture.proxy.base;
        try (SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                URI.create(proxy + "/as/v1/proxy/whip/live/dcshow?nodeGroup=ng1"),
                Map.of("mode", "live", "signal", "true"), camera)) {
            await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded("live/dcshow") > 10);
            await().atMost(MEDIA).until(() -> fixture.proxy.server.core().cluster().stream("ng1", "live/dcshow")
                    .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false));
            publisher.awaitChannelOpen(MEDIA);

            Page viewer = browser.open(pages.https("test.html"));
            PageResults.ok(viewer, viewer.call("play", proxy + "/as/v1/proxy/whep/live/dcshow",
                    PageResults.params("nodeGroup", "ng1"), Map.of()));
            await().atMost(MEDIA).until(() -> "open".equals(viewer.call("channel").get("state")));

            publisher.send("incomingNotification", "{\"message\":\"What lovely weather today.\"}");
            publisher.sendOnChannel("{\"message\":\"raw hello\",\"timestamp\":2}");
            publisher.sendBytesOnChannel(new byte[] {1, 2, 3, 4});
            List<String> got = awaitMessages(viewer, 3);
            JsonNode rpc = JSON.readTree(got.get(0));
            assertThat(rpc.path("type").asText()).isEqualTo("metadata");
            assertThat(rpc.path("method").asText()).isEqualTo("incomingNotification");
            assertThat(got.subList(1, 3)).containsExactly("{\"message\":\"raw hello\",\"timestamp\":2}", "<binary 4>");

            assertThat(viewer.call("sendOnChannel", "{\"callAdapter\":{\"method\":\"switchStreams\",\"arguments\":[]},"
                    + "\"id\":\"b1\",\"async\":true}").get("sent")).isEqualTo(true);
            JsonNode failed = JSON.readTree(awaitMessages(viewer, 4).get(3));
            assertThat(failed.path("id").asText()).isEqualTo("b1");
            assertThat(failed.path("error").path("code").asText()).isEqualTo("NetConnection.Call.Failed");
            assertThat(viewer.call("channel").get("state")).isEqualTo("open");
            viewer.call("hangup");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> awaitMessages(Page viewer, int count) {
        return await().atMost(MEDIA).until(() -> (List<String>) viewer.call("channel").get("messages"),
                m -> m.size() >= count);
    }
}
