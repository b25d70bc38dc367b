package org.smproxy.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.websocket.CloseReason;
import javax.websocket.CloseReason.CloseCodes;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimWsOptions;
import org.smproxy.sim.SimWsPlayer;
import org.smproxy.sim.SimWsPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.sim.WsHandshake;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.ProxiedCluster;
import org.smproxy.testing.TestProxy;

/**
 * Real WebRTC over Red5's WebSocket signalling through the relay: simulated nodes registered by heartbeat, a
 * publisher on the SM 2.0 shape (the proxy picks the origin), a player on the SM 1.x shape (the client names the
 * edge), the SDK's hand-off to the data channel, and an edge that dies under its player. Only signalling crosses
 * the proxy. Needs a non-loopback interface (CI runs it under netns-run).
 */
@Timeout(120)
class WsMediaTest {
    static final String SECRET = "ws-media-nodes-0123456789abcdef";
    static final int LUMA = 60;
    static final Duration MEDIA = Duration.ofSeconds(20);
    /** The clients' bound on each signalling step: generous, the CI machine is busy. */
    static final SimWsOptions CLIENT = SimWsOptions.defaults().withTimeout(Duration.ofSeconds(20));

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

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of("proxy.enabled", "true"));
        proxy = fixture.proxy;
        server = proxy.server;
        cluster = fixture.cluster;
        origin = fixture.origin;
        edge1 = fixture.edge1;
        edge2 = fixture.edge2;
        camera = new SyntheticVideo(cluster.media(), 320, 240, LUMA);
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

    @Test
    void sm2PublishAndSm1PlayCarryMediaAndSurviveTheHandOffToTheDataChannel() throws Exception {
        String name = "handoff";
        String guid = "live/" + name;
        URI publishUrl = URI.create(proxy.wss + "/as/v1/proxy/ws/publish/" + guid + "?id=" + name + "&nodeGroup=ng1");
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(), publishUrl, name, camera, CLIENT)) {
            await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
            WsHandshake published = handshake(origin, "id=" + name);
            assertThat(published.path()).isEqualTo("/live/");
            assertThat(published.query()).as("the proxy's own parameters stay with the proxy").isEqualTo("id=" + name);
            assertForwarded(published);

            awaitCarried(guid, "edge-1");
            String edgeAddress = server.core().cluster().findById("edge-1").orElseThrow().address();
            URI playUrl = URI.create(proxy.wss + "/streammanager/?id=subscriber-1&host=" + edgeAddress + "&app=live");
            try (SimWsPlayer player = SimWsPlayer.play(cluster.media(), playUrl, name, "subscriber-1", CLIENT)) {
                await().atMost(MEDIA).until(() -> player.framesDecoded() > 30);
                assertThat(player.lastLuma()).as("the publisher's picture").isBetween(LUMA - 25.0, LUMA + 25.0);
                assertThat(edge1.subscriberCount(guid)).isEqualTo(1);
                assertThat(edge2.subscriberCount(guid)).isZero();
                WsHandshake played = handshake(edge1, "id=subscriber-1");
                assertThat(played.path()).isEqualTo("/live/");
                assertThat(played.query()).isEqualTo("id=subscriber-1");
                assertForwarded(played);
                assertThat(registry().size()).isEqualTo(2);

                // The SDK's hand-off: both sockets close, the sessions leave the proxy, media goes on.
                publisher.awaitDataChannelAvailable(CLIENT.timeout());
                publisher.switchChannel();
                player.awaitDataChannelAvailable(CLIENT.timeout());
                player.switchChannel();
                assertThat(publisher.socket().closeReason()).hasValueSatisfying(
                        r -> assertThat(r.getCloseCode()).isEqualTo(CloseCodes.NORMAL_CLOSURE));
                await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0
                        && origin.openSignallingSockets() == 0 && edge1.openSignallingSockets() == 0);
                long played0 = player.framesDecoded();
                long ingested0 = origin.framesDecoded(guid);
                await().atMost(MEDIA).until(() -> player.framesDecoded() > played0 + 30
                        && origin.framesDecoded(guid) > ingested0 + 30);
                assertThat(player.lastLuma()).isBetween(LUMA - 25.0, LUMA + 25.0);
                assertThat(origin.isPublishing(guid)).isTrue();
                assertThat(edge1.subscriberCount(guid)).isEqualTo(1);
            }
            // A switched session ends with its peer.
            await().atMost(Duration.ofSeconds(10)).until(() -> edge1.subscriberCount(guid) == 0);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !origin.isPublishing(guid));
    }

    @Test
    void anEdgeThatDiesClosesItsProxiedPlayerWithinASecond() throws Exception {
        String name = "doom";
        String guid = "live/" + name;
        SimWsOptions socketOnly = CLIENT.withDataChannel(false);
        SimNode doomed = cluster.startEdge("edge-doomed", origin);
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(),
                URI.create(proxy.wss + "/as/v1/proxy/ws/publish/" + guid + "?id=" + name + "&nodeGroup=ng1"), name,
                camera, socketOnly)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> inService("edge-doomed"));
            awaitCarried(guid, "edge-doomed");
            String doomedAddress = server.core().cluster().findById("edge-doomed").orElseThrow().address();
            try (SimWsPlayer player = SimWsPlayer.play(cluster.media(),
                    URI.create(proxy.wss + "/streammanager/?id=doomed-viewer&host=" + doomedAddress + "&app=live"),
                    name, "doomed-viewer", socketOnly)) {
                await().atMost(MEDIA).until(() -> player.framesDecoded() > 10);
                assertThat(registry().size()).isEqualTo(2);

                CompletableFuture<Long> closedAt = CompletableFuture.supplyAsync(() -> {
                    try {
                        player.socket().awaitClosed(Duration.ofSeconds(10));
                        return System.nanoTime();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long killed = System.nanoTime();
                doomed.stop();
                long elapsed = closedAt.get(15, TimeUnit.SECONDS) - killed;
                assertThat(Duration.ofNanos(elapsed)).as("from the node's death to the client's close")
                        .isLessThan(Duration.ofSeconds(1));
                CloseReason reason = player.socket().closeReason().orElseThrow();
                // The node's connection dropped without a close frame (1006): the client hears 1011, not a normal close.
                assertThat(reason.getCloseCode().getCode()).as(reason.toString()).isEqualTo(1011);
                await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 1);
            }
            assertThat(publisher.socket().isOpen()).isTrue();
        } finally {
            server.core().cluster().remove("edge-doomed", "test over");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> !origin.isPublishing(guid));
    }

    /** What Red5's Stream Manager tells a node about the client behind it. */
    private static void assertForwarded(WsHandshake h) {
        assertThat(h.header("X-Forwarded-For")).hasValue("127.0.0.1");
        assertThat(h.header("X-Forwarded-For-Meta-Port")).hasValueSatisfying(
                p -> assertThat(Integer.parseInt(p)).isPositive());
        assertThat(h.header("X-Forwarded-For-Meta-Secure")).hasValue("true");
        assertThat(h.header("X-Forwarded-For-Meta-Type")).hasValue("WEB");
        assertThat(h.header("User-Agent")).hasValue(SimWsOptions.USER_AGENT);
    }

    private static WsHandshake handshake(SimNode node, String query) {
        List<WsHandshake> all = node.wsHandshakes();
        return all.stream().filter(h -> query.equals(h.query())).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(node.id() + " saw no upgrade with " + query + ": " + all));
    }

    private static SessionRegistry registry() {
        return server.core().wsSessions();
    }

    static boolean inService(String... ids) {
        return fixture.inService(ids);
    }

    /** Until the edge's heartbeat lists the stream (the SM 1.x shape does not check, but Red5's clients ask first). */
    private static void awaitCarried(String guid, String edgeId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.core().cluster().stream("ng1", guid)
                .map(s -> s.locations().stream().anyMatch(l -> l.node().id().equals(edgeId))).orElse(false));
    }
}
