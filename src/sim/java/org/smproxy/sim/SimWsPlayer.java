package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A player over Red5's WebSocket signalling, in the order of the SDK's RTCSubscriber (11–14): connect
 * ({@code Connect.Success}), {@code isAvailable} (true = live), {@code requestOffer}, the node's offer and
 * candidates, {@code handleAnswer}, own candidates up to an empty one, {@code TrickleCompleted}, then
 * {@code subscribe} and {@code "<name> starting"}. Works against a node or a proxy.
 */
public final class SimWsPlayer implements AutoCloseable {

    private final PeerEvents events = new PeerEvents();
    private final FrameProbe probe = new FrameProbe();
    private final String streamName;
    private final String subscriptionId;
    private final SimWsOptions options;
    private SimWsSocket socket;
    private volatile RTCPeerConnection pc;
    /** The node's channel once the player switched to it. */
    private volatile ChannelFrames channel;
    private Trickle trickle;
    private volatile String answerSdp;

    private SimWsPlayer(String streamName, String subscriptionId, SimWsOptions options) {
        this.streamName = streamName;
        this.subscriptionId = subscriptionId;
        this.options = options;
        events.onTrack(t -> {
            if (t.getReceiver().getTrack() instanceof VideoTrack video) {
                video.addSink(probe);
            }
        });
    }

    /** @param url full signalling URL, {@code ws(s)://...?id=<subscriptionId>...} */
    public static SimWsPlayer play(SimMedia media, URI url, String streamName, String subscriptionId)
            throws IOException, TimeoutException {
        return play(media, url, streamName, subscriptionId, SimWsOptions.defaults());
    }

    /** @throws SimWsException on an error frame, a stream that is not live, or a refused upgrade */
    public static SimWsPlayer play(SimMedia media, URI url, String streamName, String subscriptionId,
                                   SimWsOptions options) throws IOException, TimeoutException {
        SimWsPlayer p = new SimWsPlayer(streamName, subscriptionId, options);
        try {
            p.negotiate(media, url);
            return p;
        } catch (IOException | TimeoutException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void negotiate(SimMedia media, URI url) throws IOException, TimeoutException {
        Duration timeout = options.timeout();
        socket = SimWsSocket.connect(url, options, this::onFrame);
        socket.awaitStatus(WsFrames.CONNECT_SUCCESS, timeout);
        socket.send(message("isAvailable"));
        if (!socket.await(f -> f.has("isAvailable"), timeout).get("isAvailable").asBoolean()) {
            throw new SimWsException("NetStream.Play.StreamNotFound", "stream " + streamName + " does not exist");
        }
        trickle = new Trickle(socket, streamName, subscriptionId);
        events.onCandidate(trickle::candidate);
        pc = media.newPeer(events, false);
        ObjectNode requestOffer = message("requestOffer").put("requestId", subscriptionId).put("transport", "udp")
                .put("datachannel", options.dataChannel()).put("doNotSwitch", false);
        if (options.videoEncoding() != null) {
            requestOffer.put("videoEncoding", options.videoEncoding());
        }
        socket.send(requestOffer);
        socket.await(f -> "offer".equals(f.path("data").path("sdp").path("type").asText()), timeout);
        socket.awaitStatus(WsFrames.TRICKLE_COMPLETED, timeout);
        socket.send(message("subscribe").put("requestId", subscriptionId));
        socket.await(f -> (streamName + " starting").equals(f.path("data").path("message").asText()), timeout);
    }

    /** On the socket's thread: the offer is answered before the node's candidates that follow it are added. */
    private void onFrame(JsonNode frame) {
        JsonNode data = frame.path("data");
        RTCPeerConnection peer = pc;
        if (peer == null) {
            return;
        }
        try {
            if ("offer".equals(data.path("sdp").path("type").asText())) {
                answer(peer, data.path("sdp").path("sdp").asText());
            } else if (data.has("candidate")) {
                Optional<RTCIceCandidate> candidate = WsFrames.candidate(data.get("candidate"));
                if (candidate.isPresent()) {
                    Rtc.addCandidates(peer, List.of(candidate.get()));
                }
            }
        } catch (SdpException e) {
            // the connection will not come up; awaitConnected reports it
        }
    }

    private void answer(RTCPeerConnection peer, String offer) throws SdpException {
        Rtc.setRemote(peer, RTCSdpType.OFFER, offer);
        String answer = Rtc.createAnswer(peer);
        Rtc.setLocal(peer, RTCSdpType.ANSWER, answer);
        answerSdp = answer;
        ObjectNode msg = message("handleAnswer").put("requestId", subscriptionId);
        msg.putObject("data").putObject("sdp").put("type", "answer").put("sdp", answer);
        socket.send(msg);
        trickle.open();
        events.gathered().thenRun(trickle::end);
    }

    public void awaitConnected(Duration timeout) throws TimeoutException {
        events.awaitConnected(timeout, "player");
    }

    /** Waits for Red5's offer to move signalling to the data channel ({@code NetConnection.DataChannel.Available}). */
    public void awaitDataChannelAvailable(Duration timeout) throws IOException, TimeoutException {
        socket.awaitStatus(WsFrames.DATA_CHANNEL_AVAILABLE, timeout);
    }

    /** The SDK's hand-off: {@code {"switchChannel":"red5pro"}}, then the socket is closed; media goes on. */
    public void switchChannel() {
        List<RTCDataChannel> channels = events.remoteDataChannels();
        if (!channels.isEmpty()) {
            channel = new ChannelFrames(channels.get(0)); // watched before the node starts answering there
        }
        socket.send(WsFrames.JSON.createObjectNode().put("switchChannel", "red5pro"));
        socket.close();
    }

    /** A status from the node where it now sends them: the data channel after the hand-off, else the socket. */
    public JsonNode awaitStatus(String code, Duration timeout) throws IOException, TimeoutException {
        ChannelFrames c = channel;
        return c != null ? c.await(ChannelFrames.status(code), timeout) : socket.awaitStatus(code, timeout);
    }

    /** A frame from the node matching {@code wanted}, where it now sends them (as {@link #awaitStatus}). */
    public JsonNode await(java.util.function.Predicate<JsonNode> wanted, Duration timeout)
            throws IOException, TimeoutException {
        ChannelFrames c = channel;
        return c != null ? c.await(wanted, timeout) : socket.await(wanted, timeout);
    }

    public long framesDecoded() { return probe.frames(); }
    /** The video codec this player's answer chose (e.g. {@code VP8}, {@code H264}). */
    public Optional<String> answerVideoCodec() { return VideoCodecProbe.firstVideoCodec(answerSdp); }

    /** The video codec of the RTP this player receives, from its stats; empty before media arrives. */
    public Optional<String> receivedVideoCodec() {
        RTCPeerConnection peer = pc;
        return peer == null ? Optional.empty() : VideoCodecProbe.receivedVideoCodec(peer);
    }

    /** Average brightness (0–255) of the last decoded frame; compare with the publisher's {@link SyntheticVideo}. */
    public double lastLuma() { return probe.lastLuma(); }
    public SimWsSocket socket() { return socket; }
    public List<String> statusCodes() { return socket.statusCodes(); }
    public List<JsonNode> frames() { return socket.frames(); }
    public PeerEvents events() { return events; }

    public List<String> dataChannelLabels() {
        return events.remoteDataChannels().stream().map(RTCDataChannel::getLabel).toList();
    }

    /** Closes the socket (without a switch the node ends the subscription) and the peer. */
    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
        if (pc != null) {
            // webrtc-java refuses a second close (the native handle is gone).
            RTCPeerConnection closing = pc;
            pc = null;
            closing.close();
        }
    }

    private ObjectNode message(String verb) {
        return WsFrames.JSON.createObjectNode().put(verb, streamName);
    }
}
