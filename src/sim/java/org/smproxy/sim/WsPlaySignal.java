package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The player side of a signalling socket, Red5's server-offer flow as the SDK drives it: {@code requestOffer}
 * (the node offers, with the {@code red5pro} data channel when {@code datachannel:true}, then trickles its
 * candidates), {@code handleAnswer}, the client's candidates up to an empty one ({@code TrickleCompleted}), then
 * {@code subscribe} ({@code "<name> starting"}). Media comes from the same egress as WHEP, so an edge plays its
 * origin's stream.
 */
final class WsPlaySignal {

    private final SimNode node;
    private final SignallingEndpoint socket;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    private volatile String name;
    private volatile String guid;
    private volatile String requestId;
    private volatile WhepSession session;

    WsPlaySignal(SimNode node, SignallingEndpoint socket) {
        this.node = node;
        this.socket = socket;
    }

    void requestOffer(JsonNode msg) {
        if (session != null) {
            socket.send(WsFrames.error("NetStream.Play.Failed", "offer already sent"));
            return;
        }
        name = msg.get("requestOffer").asText();
        guid = socket.guid(name);
        requestId = msg.path("requestId").asText(socket.connectionId());
        String offer;
        try {
            if (!node.role().canSubscribe()) {
                throw new NodeException(NodeException.Reason.ROLE_REJECTED, node.role().wireName()
                        + " nodes do not serve players");
            }
            VideoTrack video = node.streamSource(guid).orElseThrow(() -> new NodeException(
                    NodeException.Reason.NOT_AVAILABLE, "stream " + guid + " is not available to playback"));
            // The SDK puts videoEncoding on requestOffer only; by subscribe the offer is made.
            offer = node.egress().subscribe(guid, requestId, video, new Egress.Play(
                    msg.path("datachannel").asBoolean(false), "tcp".equalsIgnoreCase(msg.path("transport").asText()),
                    msg.path("videoEncoding").asText(null)));
        } catch (NodeException e) {
            socket.send(WsFrames.error(errorCode(e.reason()), e.getMessage()));
            return;
        }
        session = node.egress().session(guid, requestId).orElse(null);
        socket.send(WsFrames.sdp("offer", WsFrames.withoutCandidates(offer)));
        WsFrames.candidates(offer).forEach(c -> socket.send(WsFrames.candidate(c)));
        socket.send(WsFrames.endOfCandidates());
        if (session != null) {
            session.signalChannel().ifPresent(this::watch);
        }
    }

    void answer(JsonNode msg) {
        WhepSession s = session;
        if (s == null) {
            socket.send(WsFrames.error("NetStream.Play.Failed", "no offer to answer"));
            return;
        }
        try {
            s.applyAnswer(msg.path("data").path("sdp").path("sdp").asText(""));
        } catch (SdpException e) {
            socket.send(WsFrames.error("NetStream.Play.Failed", "invalid answer SDP: " + e.getMessage()));
        }
    }

    void candidate(JsonNode msg) {
        Optional<RTCIceCandidate> candidate = WsFrames.candidate(msg.path("data").path("candidate"));
        if (candidate.isEmpty()) {
            socket.send(WsFrames.status(WsFrames.TRICKLE_COMPLETED));
            return;
        }
        WhepSession s = session;
        if (s == null) {
            return;
        }
        try {
            s.addCandidates(List.of(candidate.get()));
        } catch (SdpException e) {
            socket.send(WsFrames.error("NetConnection.ICE.Failed", "bad candidate: " + e.getMessage()));
        }
    }

    void subscribe() {
        if (session != null && !subscribed.isDone()) {
            socket.send(WsFrames.statusMessage(WsFrames.PLAY_START, name + " starting"));
            subscribed.complete(null);
        }
    }

    void unpublished(String streamGuid) {
        if (streamGuid.equals(guid)) {
            socket.send(WsFrames.status(WsFrames.UNPUBLISH_NOTIFY, name));
        }
    }

    boolean plays(String streamGuid) {
        return streamGuid.equals(guid);
    }

    /** A frame for the players of {@code streamGuid} (a relayed publisher send). */
    void relayed(String streamGuid, String frame) {
        if (streamGuid.equals(guid)) {
            socket.send(frame);
        }
    }

    /** A mute from this socket's player: the node holds back the video it muted (the simulation sends no audio). */
    void holdBack(Muting muting) {
        WhepSession s = session;
        if (s != null) {
            s.holdBackVideo(muting.video());
        }
    }

    /** Ends this socket's subscription, never a WHEP session that happens to share its requestId. */
    void end() {
        WhepSession mine = session;
        session = null;
        if (mine != null && node.egress().session(guid, requestId).orElse(null) == mine) {
            node.egress().unsubscribe(guid, requestId);
        }
    }

    /**
     * The hand-off is offered once playback started and the channel is open; the subscription ends when the
     * channel closes (the player's peer went away, even after a switch).
     */
    private void watch(RTCDataChannel channel) {
        DataChannels watch = socket.attach(channel);
        watch.open().thenCombine(subscribed, (label, v) -> label)
                .thenAcceptAsync(label -> socket.send(WsFrames.status(WsFrames.DATA_CHANNEL_AVAILABLE, label)));
        watch.closed().thenRunAsync(this::end);
    }

    private static String errorCode(NodeException.Reason reason) {
        return switch (reason) {
            case NOT_AVAILABLE -> "NetStream.Play.StreamNotFound";
            case ROLE_REJECTED, UNKNOWN_SCOPE -> "NetConnection.Connect.Rejected";
            default -> "NetStream.Play.Failed";
        };
    }
}
