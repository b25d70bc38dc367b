package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import javax.websocket.CloseReason.CloseCodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Red5's WebSocket signalling on simulated nodes, with real media: publish to an origin and play from its edge
 * the way the SDK's RTCPublisher/RTCSubscriber do, hand signalling off to the data channel, and lose a node.
 * Needs a non-loopback interface: run under {@code /work/shared/tools/netns-run}.
 */
@Timeout(90)
class SimNodeWebSocketTest {

    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final int LUMA = 90;

    private static SimCluster cluster;
    private static SimNode origin;
    private static SimNode edge;
    private static SyntheticVideo camera;

    @BeforeAll
    static void startCluster() {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        cluster = new SimCluster();
        origin = cluster.startOrigin("ws-origin-1");
        edge = cluster.startEdge("ws-edge-1", origin);
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
    void publishToOriginAndPlayFromEdgeOverSockets() throws Exception {
        String guid = "live/ws1";
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(), origin.signallingUrl("live", "ws1"),
                "ws1", camera)) {
            assertThat(publisher.statusCodes()).startsWith(WsFrames.CONNECT_SUCCESS)
                    .contains(WsFrames.TRICKLE_COMPLETED, WsFrames.PUBLISH_START);
            assertThat(publisher.frames()).anyMatch(f -> f.has("isAvailable") && !f.get("isAvailable").asBoolean());
            publisher.awaitConnected(CONNECT);
            await().atMost(CONNECT).until(() -> origin.framesDecoded(guid) > 30);
            // Sockets of earlier tests may still be closing on the node's side.
            await().atMost(CONNECT).until(() -> origin.openSignallingSockets() == 1);
            WsHandshake handshake = last(origin.wsHandshakes());
            assertThat(handshake.path()).isEqualTo("/live/");
            assertThat(handshake.query()).isEqualTo("id=ws1");
            assertThat(handshake.header("user-agent")).contains(SimWsOptions.USER_AGENT);

            try (SimWsPlayer player = SimWsPlayer.play(cluster.media(), edge.signallingUrl("live", "sub-1"), "ws1",
                    "sub-1")) {
                assertThat(player.frames()).anyMatch(f -> f.path("data").path("sdp").path("sdp").asText()
                        .contains("m=application"));
                assertThat(player.statusCodes()).contains(WsFrames.TRICKLE_COMPLETED, WsFrames.PLAY_START);
                player.awaitConnected(CONNECT);
                await().atMost(CONNECT).until(() -> player.framesDecoded() > 30);
                assertThat(player.lastLuma()).isBetween(LUMA - 25.0, LUMA + 25.0);
                assertThat(player.dataChannelLabels()).contains("red5pro");
                assertThat(edge.subscriberCount(guid)).isEqualTo(1);
                await().atMost(CONNECT).until(() -> edge.openSignallingSockets() == 1);

                // Only the socket closes, without switchChannel: Red5 ends the session with it.
                player.socket().close();
                await().atMost(CONNECT).until(() -> edge.subscriberCount(guid) == 0);
                assertThat(edge.openSignallingSockets()).isZero();
            }
            publisher.socket().close();
            await().atMost(CONNECT).until(() -> !origin.isPublishing(guid));
            assertThat(origin.openSignallingSockets()).isZero();
        }
    }

    @Test
    void switchChannelKeepsMediaFlowingAfterTheSocketCloses() throws Exception {
        String guid = "live/room1/handoff";
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(),
                origin.signallingUrl("live/room1", "handoff"), "handoff", camera)) {
            publisher.awaitDataChannelAvailable(CONNECT);
            publisher.switchChannel();
            await().atMost(CONNECT).until(() -> origin.openSignallingSockets() == 0);
            assertThat(publisher.socket().closeReason()).hasValueSatisfying(
                    r -> assertThat(r.getCloseCode()).isEqualTo(CloseCodes.NORMAL_CLOSURE));

            try (SimWsPlayer player = SimWsPlayer.play(cluster.media(), edge.signallingUrl("live/room1", "viewer-1"),
                    "handoff", "viewer-1")) {
                player.awaitDataChannelAvailable(CONNECT);
                player.switchChannel();
                await().atMost(CONNECT).until(() -> edge.openSignallingSockets() == 0);

                long before = player.framesDecoded();
                await().atMost(CONNECT).until(() -> player.framesDecoded() > before + 30);
                assertThat(origin.isPublishing(guid)).isTrue();
                assertThat(edge.subscriberCount(guid)).isEqualTo(1);
                assertThat(player.lastLuma()).isBetween(LUMA - 25.0, LUMA + 25.0);
            }
            // A switched session ends when its peer goes away (the data channel closes).
            await().atMost(CONNECT).until(() -> edge.subscriberCount(guid) == 0);
            assertThat(origin.isPublishing(guid)).isTrue();
        }
        await().atMost(CONNECT).until(() -> !origin.isPublishing(guid));
        assertThat(last(origin.wsHandshakes()).path()).isEqualTo("/live/room1/");
    }

    @Test
    void unknownStreamIsNotAvailable() throws Exception {
        try (SimWsSocket socket = SimWsSocket.connect(edge.signallingUrl("live", "probe-1"),
                SimWsOptions.defaults().withSubprotocols("json").withHeader("X-Forwarded-For", "203.0.113.9"),
                f -> { })) {
            socket.awaitStatus(WsFrames.CONNECT_SUCCESS, CONNECT);
            assertThat(socket.negotiatedSubprotocol()).isEqualTo("json");
            socket.send(WsFrames.JSON.createObjectNode().put("isAvailable", "nobody"));
            JsonNode answer = socket.await(f -> f.has("isAvailable"), CONNECT);
            assertThat(answer.get("isAvailable").asBoolean()).isFalse();
        }
        WsHandshake handshake = last(edge.wsHandshakes());
        assertThat(handshake.header("X-Forwarded-For")).contains("203.0.113.9");
        assertThat(handshake.path()).isEqualTo("/live/");
        assertThat(handshake.header("Sec-WebSocket-Protocol")).contains("json");

        assertThatThrownBy(() -> SimWsPlayer.play(cluster.media(), edge.signallingUrl("live", "s-2"), "nobody", "s-2"))
                .isInstanceOfSatisfying(SimWsException.class,
                        e -> assertThat(e.code()).isEqualTo("NetStream.Play.StreamNotFound"));
        // Without the SDK's trailing slash the app's path answers too.
        URI noSlash = URI.create(edge.signallingUrl("live", "probe-2").toString().replace("/?", "?"));
        try (SimWsSocket socket = SimWsSocket.connect(noSlash, SimWsOptions.defaults(), f -> { })) {
            socket.awaitStatus(WsFrames.CONNECT_SUCCESS, CONNECT);
            assertThat(socket.negotiatedSubprotocol()).isEmpty();
        }
        assertThatThrownBy(() -> SimWsSocket.connect(edge.signallingUrl("nosuchapp", "x"), SimWsOptions.defaults(),
                f -> { })).isInstanceOfSatisfying(SimWsException.class,
                        e -> assertThat(e.code()).isEqualTo("handshake"));
        await().atMost(CONNECT).until(() -> edge.openSignallingSockets() == 0);
    }

    @Test
    void unpublishEndsThePublishAndTellsPlayersStillOnTheirSocket() throws Exception {
        String guid = "live/bye";
        SimWsOptions socketOnly = SimWsOptions.defaults().withDataChannel(false);
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(), origin.signallingUrl("live", "bye"),
                "bye", camera);
             SimWsPlayer player = SimWsPlayer.play(cluster.media(), edge.signallingUrl("live", "p-bye"), "bye",
                     "p-bye", socketOnly)) {
            await().atMost(CONNECT).until(() -> player.framesDecoded() > 10);
            assertThat(player.dataChannelLabels()).isEmpty();
            // the SDK's send(): the edge's player gets it as Red5's metadata frame
            publisher.post(send("onMetaData", WsFrames.JSON.createObjectNode().put("deviceOrientation", 90)));
            JsonNode meta = player.await(f -> "metadata".equals(f.path("type").asText()), CONNECT);
            assertThat(meta.path("method").asText()).isEqualTo("onMetaData");
            assertThat(meta.path("data").path("deviceOrientation").asInt()).isEqualTo(90);
            // the SDK's callServer() over the socket: the same core fails it as Red5 fails an unknown method
            player.socket().send(WsFrames.JSON.readTree(
                    "{\"callAdapter\":{\"method\":\"switchStreams\",\"arguments\":[]},\"id\":\"9f\",\"async\":true}"));
            JsonNode failed = player.socket().await(f -> "9f".equals(f.path("id").asText()), CONNECT);
            assertThat(failed.path("error").path("code").asText()).isEqualTo("NetConnection.Call.Failed");
            publisher.unpublish();
            assertThat(publisher.statusCodes()).contains(WsFrames.UNPUBLISH_SUCCESS);
            assertThat(origin.isPublishing(guid)).isFalse();
            player.socket().awaitStatus(WsFrames.UNPUBLISH_NOTIFY, CONNECT);
        }
    }

    @Test
    void afterTheHandOffUnpublishIsAnsweredOnTheDataChannelAndSwitchedPlayersHearIt() throws Exception {
        String guid = "live/dc-bye";
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(), origin.signallingUrl("live", "dc-bye"),
                "dc-bye", camera);
             SimWsPlayer player = SimWsPlayer.play(cluster.media(), edge.signallingUrl("live", "p-dc-bye"), "dc-bye",
                     "p-dc-bye")) {
            // a publisher's mute is for its players (none yet); what the node does not simulate is ignored; the
            // session goes on either way
            publisher.socket().send(WsFrames.JSON.createObjectNode().set("mute",
                    WsFrames.JSON.createObjectNode().put("muteAudio", true).put("muteVideo", false)));
            publisher.socket().send(WsFrames.JSON.createObjectNode().put("sendSharedObjectMessage", "x"));
            publisher.awaitDataChannelAvailable(CONNECT);
            publisher.switchChannel();
            player.awaitDataChannelAvailable(CONNECT);
            player.switchChannel();
            await().atMost(CONNECT).until(() -> origin.openSignallingSockets() == 0 && edge.openSignallingSockets() == 0);
            long before = player.framesDecoded();
            await().atMost(CONNECT).until(() -> player.framesDecoded() > before + 10);
            // after the hand-off a send travels publisher channel -> origin -> edge -> player channel
            publisher.post(send("chat", WsFrames.JSON.createObjectNode().put("text", "hi")));
            JsonNode chat = player.await(f -> "chat".equals(f.path("method").asText()), CONNECT);
            assertThat(chat.path("type").asText()).isEqualTo("metadata");
            assertThat(chat.path("data").path("text").asText()).isEqualTo("hi");
            publisher.post(WsFrames.JSON.createObjectNode().put("log", "INFO").put("message", "from the SDK"));

            publisher.unpublish(); // over the channel: returns once "dc-bye stopping" came back there
            assertThat(origin.isPublishing(guid)).isFalse();
            assertThat(player.awaitStatus(WsFrames.UNPUBLISH_NOTIFY, CONNECT).path("data").path("code").asText())
                    .isEqualTo(WsFrames.UNPUBLISH_NOTIFY);
        }
    }

    @Test
    void stopDropsOpenSocketsAbruptly() throws Exception {
        SimNode doomed = cluster.startOrigin("ws-origin-doomed");
        try (SimWsPublisher publisher = SimWsPublisher.publish(cluster.media(), doomed.signallingUrl("live", "doom"),
                "doom", camera, SimWsOptions.defaults().withDataChannel(false))) {
            assertThat(doomed.openSignallingSockets()).isEqualTo(1);

            doomed.stop();
            assertThat(publisher.socket().awaitClosed(CONNECT).getCloseCode())
                    .isEqualTo(CloseCodes.CLOSED_ABNORMALLY);
            assertThat(doomed.openSignallingSockets()).isZero();
            assertThat(doomed.isPublishing("live/doom")).isFalse();
        }
        assertThatThrownBy(() -> SimWsSocket.connect(doomed.signallingUrl("live", "again"), SimWsOptions.defaults(),
                f -> { })).isInstanceOf(java.io.IOException.class);
    }

    private static <T> T last(List<T> list) {
        assertThat(list).isNotEmpty();
        return list.get(list.size() - 1);
    }

    /** Red5's SDK's {@code send(method, data)}: {@code {"send":{"method":m,"data":d}}}. */
    private static com.fasterxml.jackson.databind.node.ObjectNode send(String method, JsonNode data) {
        com.fasterxml.jackson.databind.node.ObjectNode send = WsFrames.JSON.createObjectNode();
        send.putObject("send").put("method", method).set("data", data);
        return send;
    }
}
