package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A publisher over Red5's WebSocket signalling, in the order of the SDK's RTCPublisher (11–14): connect
 * ({@code Connect.Success}), {@code isAvailable} (false = free to publish), {@code handleOffer}, the node's answer
 * and candidates, own candidates up to an empty one, {@code TrickleCompleted}, then {@code publish} and
 * {@code "<name> starting"}. Works against a node ({@code ws://node:5080/live/?id=stream1}) or a proxy.
 */
public final class SimWsPublisher implements AutoCloseable {

    private final PeerEvents events = new PeerEvents();
    private final String streamName;
    private final SimWsOptions options;
    private SimWsSocket socket;
    private volatile RTCPeerConnection pc;
    /** The {@code red5pro} channel, watched from its creation; signalling moves there after {@link #switchChannel}. */
    private ChannelFrames channel;
    private volatile boolean switched;

    private SimWsPublisher(String streamName, SimWsOptions options) {
        this.streamName = streamName;
        this.options = options;
    }

    /** @param url full signalling URL, {@code ws(s)://...?id=<streamName>...} */
    public static SimWsPublisher publish(SimMedia media, URI url, String streamName, SyntheticVideo video)
            throws IOException, SdpException, TimeoutException {
        return publish(media, url, streamName, video, SimWsOptions.defaults());
    }

    /** @throws SimWsException on an error frame, a name already published, or a refused upgrade */
    public static SimWsPublisher publish(SimMedia media, URI url, String streamName, SyntheticVideo video,
                                         SimWsOptions options) throws IOException, SdpException, TimeoutException {
        SimWsPublisher p = new SimWsPublisher(streamName, options);
        try {
            p.negotiate(media, url, video);
            return p;
        } catch (IOException | SdpException | TimeoutException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void negotiate(SimMedia media, URI url, SyntheticVideo video)
            throws IOException, SdpException, TimeoutException {
        Duration timeout = options.timeout();
        socket = SimWsSocket.connect(url, options, this::onFrame);
        socket.awaitStatus(WsFrames.CONNECT_SUCCESS, timeout);
        socket.send(message("isAvailable").put("bundle", true));
        if (socket.await(f -> f.has("isAvailable"), timeout).get("isAvailable").asBoolean()) {
            throw new SimWsException("NetStream.Publish.BadName", streamName + " already has a broadcast session");
        }
        Trickle trickle = new Trickle(socket, streamName, null);
        events.onCandidate(trickle::candidate);
        pc = media.newPeer(events, false);
        if (options.dataChannel()) {
            channel = new ChannelFrames(pc.createDataChannel("red5pro", new RTCDataChannelInit()));
        }
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        init.streamIds = List.of(streamName);
        pc.addTransceiver(video.track(), init);

        String offer = Rtc.createOffer(pc);
        Rtc.setLocal(pc, RTCSdpType.OFFER, offer);
        ObjectNode handleOffer = message("handleOffer").put("transport", "udp");
        handleOffer.putObject("data").putObject("sdp").put("type", "offer").put("sdp", offer);
        socket.send(handleOffer);
        trickle.open();
        events.gathered().thenRun(trickle::end);

        socket.await(f -> "answer".equals(f.path("data").path("sdp").path("type").asText()), timeout);
        socket.awaitStatus(WsFrames.TRICKLE_COMPLETED, timeout);
        socket.send(message("publish").put("mode", "live").put("keyFramerate", 3000));
        socket.await(f -> (streamName + " starting").equals(f.path("data").path("message").asText()), timeout);
    }

    /** On the socket's thread: the answer is applied before the candidates that follow it are added. */
    private void onFrame(JsonNode frame) {
        JsonNode data = frame.path("data");
        RTCPeerConnection peer = pc;
        if (peer == null) {
            return;
        }
        try {
            if ("answer".equals(data.path("sdp").path("type").asText())) {
                Rtc.setRemote(peer, RTCSdpType.ANSWER, data.path("sdp").path("sdp").asText());
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

    public void awaitConnected(Duration timeout) throws TimeoutException {
        events.awaitConnected(timeout, "publisher");
    }

    /** Waits for Red5's offer to move signalling to the data channel ({@code NetConnection.DataChannel.Available}). */
    public void awaitDataChannelAvailable(Duration timeout) throws IOException, TimeoutException {
        socket.awaitStatus(WsFrames.DATA_CHANNEL_AVAILABLE, timeout);
    }

    /** The SDK's hand-off: {@code {"switchChannel":"red5pro"}}, then the socket is closed; media goes on. */
    public void switchChannel() {
        ObjectNode msg = WsFrames.JSON.createObjectNode().put("switchChannel", "red5pro");
        socket.send(msg);
        switched = true;
        socket.close();
    }

    /**
     * {@code unpublish}, where Red5's SDK sends it (the data channel after the hand-off, else the socket), waits for
     * {@code "<name> stopping"} there, then closes socket and peer.
     */
    public void unpublish() throws IOException, TimeoutException {
        java.util.function.Predicate<JsonNode> stopping =
                f -> (streamName + " stopping").equals(f.path("data").path("message").asText());
        try {
            if (switched && channel != null) {
                channel.send(message("unpublish"));
                channel.await(stopping, options.timeout());
            } else {
                socket.send(message("unpublish"));
                socket.await(stopping, options.timeout());
            }
        } finally {
            close();
        }
    }

    /** A message where Red5's SDK posts it: the data channel after the hand-off, else the socket. */
    public void post(ObjectNode message) throws IOException {
        if (switched && channel != null) {
            channel.send(message);
        } else {
            socket.send(message);
        }
    }

    public SimWsSocket socket() { return socket; }
    public List<String> statusCodes() { return socket.statusCodes(); }
    public List<JsonNode> frames() { return socket.frames(); }
    public PeerEvents events() { return events; }

    /** Closes the socket (without a switch the node ends the publish) and the peer. */
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
