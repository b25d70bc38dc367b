package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimPlayer;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.Https;
import org.smproxy.testing.ProxiedCluster;
import org.smproxy.testing.TestProxy;

/**
 * Real WebRTC through the relay: simulated Red5 nodes registered by heartbeat, a publisher and a player that speak
 * Red5's SDK protocol to the proxy only. Media flows node to client directly; the proxy only carries signalling.
 * Needs a non-loopback interface (CI runs it under netns-run).
 */
class RelayMediaTest {
    static final String SECRET = "media-nodes-0123456789abcdef";
    static final Duration MEDIA = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static TestProxy proxy;
    static StandaloneServer server;
    static SimCluster cluster;
    static SimNode origin;
    static SimNode edge1;
    static SimNode edge2;
    static SyntheticVideo camera;
    static String base;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of());
        proxy = fixture.proxy;
        server = proxy.server;
        base = proxy.base;
        client = proxy.client;
        cluster = fixture.cluster;
        origin = fixture.origin;
        edge1 = fixture.edge1;
        edge2 = fixture.edge2;
        camera = new SyntheticVideo(cluster.media(), 320, 240, 180);
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

    static boolean inService(String... ids) {
        return fixture.inService(ids);
    }

    static void awaitCarried(String stream) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.core().cluster().stream("ng1", stream)
                .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false));
    }

    static URI proxy(String path) {
        return URI.create(base + path);
    }

    @Test
    void aPublisherAndAViewerMeetThroughTheProxyOnAnOriginAndAnEdge() throws Exception {
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(),
                proxy("/as/v1/proxy/whip/live/show?nodeGroup=ng1"), Map.of("mode", "live", "keyFramerate", "3000"), camera)) {
            assertThat(publisher.resource().getPath()).startsWith("/as/v1/proxy/whip/resource/");
            assertThat(publisher.trickleStatus()).isEqualTo(204);
            await().atMost(MEDIA).until(() -> origin.framesDecoded("live/show") > 30);
            awaitCarried("live/show");
            try (SimPlayer viewer = SimPlayer.play(cluster.media(),
                    proxy("/as/v1/proxy/whep/live/show?requestId=viewer-1&nodeGroup=ng1"), Map.of("signal", "true"))) {
                assertThat(viewer.answerStatus()).isEqualTo(201);
                assertThat(viewer.dataChannelLabels()).contains("red5pro");
                await().atMost(MEDIA).until(() -> viewer.framesDecoded() > 30);
                assertThat(viewer.lastLuma()).isBetween(160.0, 200.0); // the publisher's picture, not a test pattern
                SimNode servingEdge = edge1.subscriberCount("live/show") == 1 ? edge1 : edge2;
                assertThat(servingEdge.subscriberCount("live/show")).isEqualTo(1);
                assertThat(viewer.delete()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(5)).until(() -> servingEdge.subscriberCount("live/show") == 0);
            }
            assertThat(publisher.delete()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing("live/show"));
        }
    }

    @Test
    void theSm1WhproxyShapeCarriesAPublisherToo() throws Exception {
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), proxy("/live/whip/endpoint/legacy"),
                Map.of("mode", "live"), camera)) {
            assertThat(publisher.resource().getPath()).startsWith("/live/whip/resource/");
            await().atMost(MEDIA).until(() -> origin.framesDecoded("live/legacy") > 30);
            assertThat(publisher.delete()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing("live/legacy"));
        }
    }

    @Test
    void anEdgeKilledBetweenOptionsAndPostIsReplacedByAnotherEdge() throws Exception {
        SimNode doomed = cluster.startEdge("edge-doomed", origin);
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(),
                proxy("/as/v1/proxy/whip/live/failover?nodeGroup=ng1"), Map.of("mode", "live"), camera)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> inService("edge-doomed") && server.core().cluster()
                    .stream("ng1", "live/failover").map(s -> s.locations().size() == 4).orElse(false));
            String doomedHost = server.core().cluster().findById("edge-doomed").orElseThrow().address();
            String endpoint = "/as/v1/proxy/whep/live/failover?requestId=late-viewer&nodeGroup=ng1&host=" + doomedHost;
            HttpResponse<String> options = Https.send(client, "OPTIONS", base + endpoint, null);
            assertThat(options.statusCode()).isEqualTo(204);
            assertThat(options.headers().firstValue("Session-Host")).hasValue(doomedHost);

            doomed.stop(); // between the SDK's OPTIONS and its POST
            try (SimPlayer viewer = SimPlayer.play(cluster.media(), proxy(endpoint), Map.of())) {
                await().atMost(MEDIA).until(() -> viewer.framesDecoded() > 10);
                assertThat(edge1.subscriberCount("live/failover") + edge2.subscriberCount("live/failover")).isEqualTo(1);
                assertThat(viewer.delete()).isEqualTo(200);
            }
            assertThat(publisher.delete()).isEqualTo(200);
        }
    }
}
