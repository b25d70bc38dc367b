package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The publisher side of a signalling socket, in the order Red5's SDK drives it: {@code handleOffer} (the node
 * answers, then trickles its candidates), the client's candidates up to an empty one ({@code TrickleCompleted}),
 * then {@code publish} ({@code "<name> starting"}). A {@code publish} that comes before the offer is answered
 * once the offer is. Ingest is the WHIP ingest, so frames are counted the same way.
 */
final class WsPublishSignal {
    private static final System.Logger LOG = System.getLogger(WsPublishSignal.class.getName());

    private final SimNode node;
    private final SignallingEndpoint socket;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private String name;
    private String guid;
    private volatile WhipSession session;
    private boolean publishRequested;

    WsPublishSignal(SimNode node, SignallingEndpoint socket) {
        this.node = node;
        this.socket = socket;
    }

    void offer(JsonNode msg) {
        if (session != null) {
            socket.send(WsFrames.error("NetStream.Publish.Failed", "offer already handled"));
            return;
        }
        name(msg.get("handleOffer").asText());
        String offer = msg.path("data").path("sdp").path("sdp").asText("");
        String answer;
        try {
            if (!node.role().canPublish()) {
                throw new NodeException(NodeException.Reason.ROLE_REJECTED, node.role().wireName()
                        + " nodes do not accept publishers");
            }
            answer = node.ingest().publish(guid, offer, "tcp".equalsIgnoreCase(msg.path("transport").asText()));
        } catch (NodeException e) {
            socket.send(WsFrames.error(errorCode(e.reason()), e.getMessage()));
            return;
        }
        session = node.ingest().session(guid).orElse(null);
        socket.send(WsFrames.sdp("answer", WsFrames.withoutCandidates(answer)));
        WsFrames.candidates(answer).forEach(c -> socket.send(WsFrames.candidate(c)));
        socket.send(WsFrames.endOfCandidates());
        if (session != null) {
            session.remoteDataChannel().thenAccept(this::watch);
        }
        if (publishRequested) {
            start();
        }
    }

    void candidate(JsonNode msg) {
        Optional<RTCIceCandidate> candidate = WsFrames.candidate(msg.path("data").path("candidate"));
        if (candidate.isEmpty()) {
            socket.send(WsFrames.status(WsFrames.TRICKLE_COMPLETED));
            return;
        }
        if (session == null) {
            return;
        }
        try {
            session.addCandidates(List.of(candidate.get()));
        } catch (SdpException e) {
            socket.send(WsFrames.error("NetConnection.ICE.Failed", "bad candidate: " + e.getMessage()));
        }
    }

    void publish(JsonNode msg) {
        if (name == null) {
            name(msg.get("publish").asText());
        }
        publishRequested = true;
        if (session != null) {
            start();
        }
    }

    /** The answer goes first: after a hand-off it travels on the data channel that ending the publish closes. */
    void unpublish() {
        if (name != null) {
            socket.send(WsFrames.statusMessage(WsFrames.UNPUBLISH_SUCCESS, name + " stopping"));
        }
        end();
    }

    /** The stream while this socket's publish runs (from the answered offer on), else null. */
    String liveStream() {
        return session == null ? null : guid;
    }

    /** Ends this socket's publish, never another publisher's session of the same stream. */
    void end() {
        WhipSession mine = session;
        session = null;
        if (mine != null && node.ingest().session(guid).orElse(null) == mine) {
            node.ingest().unpublish(guid);
        }
    }

    /**
     * Red5 offers the hand-off only once the publish runs and the SDK's channel is open; the publish ends when
     * the channel closes (the publisher's peer went away, even after a switch).
     */
    private void watch(RTCDataChannel channel) {
        DataChannels watch = socket.attach(channel);
        watch.open().thenCombine(started, (label, v) -> label)
                .thenAcceptAsync(label -> socket.send(WsFrames.status(WsFrames.DATA_CHANNEL_AVAILABLE, label)));
        watch.closed().thenRunAsync(this::end);
    }

    private void start() {
        if (!started.isDone()) {
            socket.send(WsFrames.statusMessage(WsFrames.PUBLISH_START, name + " starting"));
            started.complete(null);
        }
    }

    private void name(String streamName) {
        name = streamName;
        guid = socket.guid(streamName);
    }

    private static String errorCode(NodeException.Reason reason) {
        return switch (reason) {
            case ALREADY_PUBLISHING -> "NetStream.Publish.BadName";
            case ROLE_REJECTED, UNKNOWN_SCOPE -> "NetConnection.Connect.Rejected";
            default -> "NetStream.Publish.Failed";
        };
    }
}
