package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real media through simulated Red5 nodes: publish to an origin over WHIP, play from its edge over Red5's
 * server-offer WHEP. Needs a non-loopback interface: run under {@code /work/shared/tools/netns-run} on hosts
 * that have only {@code lo}.
 */
@Timeout(60)
class SimNodeWebRtcTest {

    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final int LUMA = 180;

    private static SimCluster cluster;
    private static SimNode origin;
    private static SimNode edge;
    private static SyntheticVideo camera;

    @BeforeAll
    static void startCluster() {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        cluster = new SimCluster();
        origin = cluster.startOrigin("origin-1");
        edge = cluster.startEdge("edge-1", origin);
        camera = new SyntheticVideo(cluster.media(), 320, 240, LUMA);
    }

    @AfterAll
    static void stopCluster() {
        if (camera != null) {
            camera.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void publishToOriginAndPlayFromEdgeShowsThePublishersPicture() throws Exception {
        String guid = "live/stream1";
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid),
                Map.of("mode", "live", "keyFramerate", "3000", "transport", "udp"), camera)) {
            assertThat(publisher.resource().getPath()).isEqualTo("/live/whip/resource/stream1");
            assertThat(publisher.trickleStatus()).isEqualTo(204);
            publisher.awaitConnected(CONNECT);
            await().atMost(CONNECT).until(() -> origin.framesDecoded(guid) >= 30);

            try (SimPlayer player = SimPlayer.play(cluster.media(), edge.whepEndpoint(guid, "subscriber-1"),
                    Map.of("signal", "true"))) {
                assertThat(player.offerSdp()).contains("a=setup:actpass", "m=video", "m=application");
                assertThat(player.resource().getPath()).isEqualTo("/live/whep/resource/stream1");
                assertThat(player.answerStatus()).isEqualTo(201);
                assertThat(player.trickleStatus()).isEqualTo(204);
                player.awaitConnected(CONNECT);
                await().atMost(CONNECT).until(() -> player.framesDecoded() >= 30);
                assertThat(player.lastLuma()).isBetween(LUMA - 25.0, LUMA + 25.0);
                await().atMost(CONNECT).until(() -> player.dataChannelLabels().contains("red5pro"));
                assertThat(edge.subscriberCount(guid)).isEqualTo(1);

                assertThat(player.delete()).isEqualTo(200);
                assertThat(edge.subscriberCount()).isZero();
            }
            assertThat(publisher.delete()).isEqualTo(200);
            assertThat(origin.isPublishing(guid)).isFalse();
        }
    }

    @Test
    void aPublishedStreamIsLiveHlsOnItsOriginAndEdgesUntilThePublisherLeaves() throws Exception {
        String guid = "live/hlscam";
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid), Map.of(), camera,
                true)) {
            publisher.awaitConnected(CONNECT);
            // the first 2 s segment, after ffmpeg's start, on a busy machine
            await().atMost(Duration.ofSeconds(30)).until(() -> get(http, edge.hlsUrl(guid)).statusCode() == 200);
            String playlist = get(http, edge.hlsUrl(guid)).body();
            assertThat(playlist).startsWith("#EXTM3U").contains("#EXT-X-TARGETDURATION:2").contains("hlscam_");
            String segment = lastSegment(playlist).orElseThrow();
            java.net.http.HttpResponse<byte[]> ts = http.send(java.net.http.HttpRequest.newBuilder(
                    edge.hlsUrl(guid).resolve(segment)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ts.statusCode()).isEqualTo(200);
            assertThat(ts.body().length).isGreaterThan(10_000);
            assertThat(ts.body()[0]).as("an MPEG-TS sync byte").isEqualTo((byte) 0x47);
            // the publisher's audio (the headless capture: a 440 Hz tone), not the silence of a publish without audio
            assertThat(AudioLevel.of(ts.body()).meanDb()).as("mean audio volume of a segment, dB").isGreaterThan(-40.0);
            assertThat(get(http, origin.hlsUrl(guid)).statusCode()).as("the origin serves it too").isEqualTo(200);
            // live: the window moves on as the publisher's frames keep coming
            await().atMost(Duration.ofSeconds(15)).until(() -> !segment.equals(
                    lastSegment(get(http, edge.hlsUrl(guid)).body()).orElse(segment)));
            assertThat(publisher.delete()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> get(http, edge.hlsUrl(guid)).statusCode() == 404
                && get(http, origin.hlsUrl(guid)).statusCode() == 404);
    }

    @Test
    void aPublishWithoutAudioIsLiveHlsWithSilence() throws Exception {
        String guid = "live/hlsmute";
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid), Map.of(), camera)) {
            publisher.awaitConnected(CONNECT);
            // ffmpeg would wait on its audio input for ever if the node did not write silence into it
            await().atMost(Duration.ofSeconds(30)).until(() -> get(http, origin.hlsUrl(guid)).statusCode() == 200);
            String segment = lastSegment(get(http, origin.hlsUrl(guid)).body()).orElseThrow();
            byte[] ts = http.send(java.net.http.HttpRequest.newBuilder(origin.hlsUrl(guid).resolve(segment)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body();
            assertThat(AudioLevel.of(ts).maxDb()).as("loudest audio of a segment, dB").isLessThan(-80.0);
        }
    }

    /** The newest segment of a live playlist. */
    private static java.util.Optional<String> lastSegment(String playlist) {
        return playlist.lines().filter(l -> l.endsWith(".ts")).reduce((x, y) -> y);
    }

    private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient http, URI url) throws Exception {
        return http.send(java.net.http.HttpRequest.newBuilder(url).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void allInOnePlaysWhatItIngests() throws Exception {
        SimNode aio = cluster.startAllInOne("aio-1");
        String guid = "live/room1/cam";
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), aio.whipEndpoint(guid), Map.of(), camera);
             SimPlayer player = SimPlayer.play(cluster.media(), aio.whepEndpoint(guid, "p-1"), Map.of())) {
            assertThat(publisher.resource().getPath()).isEqualTo("/live/room1/whip/resource/cam");
            assertThat(player.offerSdp()).contains("m=video").doesNotContain("m=application");
            await().atMost(CONNECT).until(() -> player.framesDecoded() >= 10);
            String stats = SimHttp.send("GET", aio.baseUrl().resolve("/__sim/stats"), null, null).body();
            assertThat(stats).contains("\"streamGuid\":\"live/room1/cam\"", "\"publishing\":true", "\"subscribers\":1");
        }
    }

    @Test
    void stoppingAnEdgeDropsItsPlayers() throws Exception {
        SimNode doomed = cluster.startEdge("edge-doomed", origin);
        String guid = "live/doomed";
        try (SimPublisher publisher = SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid), Map.of(), camera);
             SimPlayer player = SimPlayer.play(cluster.media(), doomed.whepEndpoint(guid, "p-1"), Map.of())) {
            await().atMost(CONNECT).until(() -> player.framesDecoded() >= 10);
            URI stats = doomed.baseUrl().resolve(NodeServlet.STATS_PATH);

            doomed.stop();
            assertThatThrownBy(() -> SimHttp.send("GET", stats, null, null)).isInstanceOf(ConnectException.class);
            // At 30 fps, a poll interval without a single new frame means the media has stopped.
            long[] seen = {-1};
            await().pollInterval(Duration.ofMillis(500)).atMost(CONNECT).until(() -> {
                long now = player.framesDecoded();
                boolean still = now == seen[0];
                seen[0] = now;
                return still;
            });
            assertThat(origin.isPublishing(guid)).isTrue();
        }
    }

    @Test
    void answersWithRed5StatusCodes() throws Exception {
        assertThat(post(origin.whipEndpoint("live/garbage"), Http.SDP, "not an sdp")).isEqualTo(400);
        assertThat(post(origin.whipEndpoint("live/garbage"), Http.SDP, "v=0\r\nm=nonsense\r\n")).isEqualTo(400);
        assertThat(origin.isPublishing("live/garbage")).isFalse();
        assertThat(post(origin.whipEndpoint("live/typed"), "text/plain", "v=0\r\n")).isEqualTo(415);
        assertThat(post(origin.whipEndpoint("nosuchapp/s"), Http.SDP, "v=0\r\n")).isEqualTo(404);
        assertThat(post(edge.whipEndpoint("live/s"), Http.SDP, "v=0\r\n")).isEqualTo(406);
        assertThat(SimHttp.send("GET", origin.whipEndpoint("live/s"), null, null).statusCode()).isEqualTo(405);
        assertThat(SimHttp.send("OPTIONS", origin.whipEndpoint("live/s"), null, null).headers()
                .allValues("Link")).isEmpty();

        String guid = "live/twice";
        try (SimPublisher first = SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid), Map.of(), camera)) {
            assertThatThrownBy(() -> SimPublisher.publish(cluster.media(), origin.whipEndpoint(guid), Map.of(), camera))
                    .isInstanceOfSatisfying(SimHttpException.class, e -> assertThat(e.status()).isEqualTo(409));
            assertThat(origin.publisherCount()).isEqualTo(1);
            assertThat(SimHttp.send("PATCH", first.resource(), Http.SDP_FRAG, "a=mid:0\r\na=candidate:garbage\r\n")
                    .statusCode()).isEqualTo(400);
        }

        assertThat(post(edge.whepEndpoint("live/nobody", "s-1"), Http.SDP, "")).isEqualTo(409);
        URI whipResource = origin.baseUrl().resolve("/live/whip/resource/nobody");
        URI whepResource = edge.baseUrl().resolve("/live/whep/resource/nobody?requestId=s-1");
        assertThat(SimHttp.send("PATCH", whipResource, Http.SDP_FRAG, "a=end-of-candidates\r\n").statusCode())
                .isEqualTo(404);
        assertThat(SimHttp.send("PATCH", whepResource, Http.SDP_FRAG, "a=end-of-candidates\r\n").statusCode())
                .isEqualTo(404);
        assertThat(SimHttp.send("DELETE", whepResource, null, null).statusCode()).isEqualTo(404);
    }

    private static int post(URI uri, String contentType, String body) throws Exception {
        return SimHttp.send("POST", uri, contentType, body).statusCode();
    }
}
