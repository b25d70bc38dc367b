package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.RoundTripAuth;
import org.smproxy.sim.SimHttpException;
import org.smproxy.sim.SimPlayer;
import org.smproxy.sim.SimPublisher;
import org.smproxy.sim.SimWsException;
import org.smproxy.sim.SimWsOptions;
import org.smproxy.sim.SimWsPublisher;
import org.smproxy.sim.SyntheticVideo;
import org.smproxy.testing.Https;
import org.smproxy.testing.ProxiedCluster;

/**
 * Red5's round-trip authentication through the proxy: nodes that refuse clients without the right {@code username},
 * {@code password} and {@code token}, so media flows only if the proxy carried them on the WHIP/WHEP OPTIONS, POST
 * and PATCH and on the signalling socket's URL, and a refusal reaches the client as the node gave it. Real WebRTC:
 * run under the network namespace.
 */
class RoundTripAuthRelayTest {
    static final String SECRET = "rta-node-secret-0123456789";
    static final RoundTripAuth AUTH = new RoundTripAuth("viewer-7", "rta-password", "rta-token");
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final SimWsOptions CLIENT = SimWsOptions.defaults().withTimeout(Duration.ofSeconds(20));

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static SyntheticVideo camera;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        fixture = ProxiedCluster.start(dir, SECRET, null, Map.of(), node -> node.roundTripAuth(AUTH));
        camera = new SyntheticVideo(fixture.cluster.media(), 320, 240, 120);
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

    static Map<String, String> with(Map<String, String> params, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(params);
        all.putAll(more);
        return all;
    }

    static long refusals() {
        return fixture.origin.authRefusals() + fixture.edge1.authRefusals() + fixture.edge2.authRefusals();
    }

    @Test
    void whipAndWhepWithTheCredentialsCarryMediaEveryRequestAccepted() throws Exception {
        long before = refusals();
        String options = "/as/v1/proxy/whip/live/rta?nodeGroup=ng1&username=viewer-7&password=rta-password&token=rta-token";
        assertThat(Https.send(fixture.proxy.client, "OPTIONS", fixture.proxy.base + options, null).statusCode())
                .isEqualTo(204);
        try (SimPublisher publisher = SimPublisher.publish(fixture.cluster.media(),
                proxy("/as/v1/proxy/whip/live/rta?nodeGroup=ng1"), with(AUTH.params(), Map.of("mode", "live")), camera)) {
            assertThat(publisher.trickleStatus()).as("the trickle PATCH carried them too").isEqualTo(204);
            await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded("live/rta") > 30);
            await().atMost(Duration.ofSeconds(10)).until(() -> fixture.model().stream("ng1", "live/rta")
                    .map(s -> s.locations().stream().anyMatch(l -> !l.publishing())).orElse(false));
            try (SimPlayer viewer = SimPlayer.play(fixture.cluster.media(),
                    proxy("/as/v1/proxy/whep/live/rta?requestId=rta-viewer&nodeGroup=ng1"), AUTH.params())) {
                assertThat(viewer.answerStatus()).as("the answer PATCH").isEqualTo(201);
                assertThat(viewer.trickleStatus()).isEqualTo(204);
                await().atMost(MEDIA).until(() -> viewer.framesDecoded() > 30);
            }
        }
        assertThat(refusals()).isEqualTo(before);
    }

    @Test
    void withoutOrWithWrongCredentialsTheNodesRefusalReachesTheClient() throws Exception {
        long before = refusals();
        List<Map<String, String>> wrong = List.of(Map.of(),
                Map.of("username", "viewer-7", "password", "guess", "token", "rta-token"),
                Map.of("username", "viewer-7", "password", "rta-password"));
        for (Map<String, String> params : wrong) {
            assertThatThrownBy(() -> SimPublisher.publish(fixture.cluster.media(),
                    proxy("/as/v1/proxy/whip/live/rtano?nodeGroup=ng1"), params, camera))
                    .isInstanceOfSatisfying(SimHttpException.class, e -> {
                        assertThat(e.status()).as(params.toString()).isEqualTo(401);
                        assertThat(e.body()).contains("authentication failed");
                    });
        }
        HttpResponse<String> options = Https.send(fixture.proxy.client, "OPTIONS",
                fixture.proxy.base + "/as/v1/proxy/whip/live/rtano?nodeGroup=ng1", null);
        assertThat(options.statusCode()).isEqualTo(401);
        assertThat(refusals()).as("the nodes decided, not the proxy").isEqualTo(before + wrong.size() + 1);
        assertThat(fixture.origin.isPublishing("live/rtano")).isFalse();
    }

    @Test
    void aSignallingSocketWithoutCredentialsIsRejectedAndOneWithThemPublishes() throws Exception {
        String name = "rtaws";
        String guid = "live/" + name;
        String url = fixture.proxy.wss + "/as/v1/proxy/ws/publish/" + guid + "?id=" + name + "&nodeGroup=ng1";
        assertThatThrownBy(() -> SimWsPublisher.publish(fixture.cluster.media(), URI.create(url), name, camera, CLIENT))
                .isInstanceOfSatisfying(SimWsException.class,
                        e -> assertThat(e.code()).isEqualTo("NetConnection.Connect.Rejected"));
        String withCredentials = url + "&username=viewer-7&password=rta-password&token=rta-token";
        try (SimWsPublisher publisher = SimWsPublisher.publish(fixture.cluster.media(), URI.create(withCredentials), name,
                camera, CLIENT)) {
            await().atMost(MEDIA).until(() -> fixture.origin.framesDecoded(guid) > 30);
        }
    }
}
