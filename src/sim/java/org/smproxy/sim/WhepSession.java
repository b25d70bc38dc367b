package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpSendParameters;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One WHEP subscriber on a node, Red5 style: the node makes the offer (even when the client POSTed one) and
 * the client answers with a PATCH.
 */
final class WhepSession {

    /** Label Red5's SDK expects for the signalling channel ({@code signal=true}). */
    static final String SIGNAL_CHANNEL = "red5pro";

    private final String streamGuid;
    private final String requestId;
    private final PeerEvents events = new PeerEvents();
    private final RTCPeerConnection pc;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile RTCDataChannel signalChannel;
    private volatile RTCRtpSender videoSender;

    WhepSession(SimMedia media, String streamGuid, String requestId, boolean tcp, Consumer<WhepSession> onFailed) {
        this.streamGuid = streamGuid;
        this.requestId = requestId;
        events.onState(s -> {
            if (s == RTCPeerConnectionState.FAILED) {
                CompletableFuture.runAsync(() -> onFailed.accept(this));
            }
        });
        this.pc = media.newPeer(events, tcp);
    }

    /** The node's offer ({@code a=setup:actpass}) carrying the stream's video and, if asked, the data channel. */
    synchronized String offer(VideoTrack video, boolean signal) throws SdpException {
        requireOpen();
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        // msid tokens may not contain '/', which stream GUIDs do.
        init.streamIds = List.of(streamGuid.replace('/', '_'));
        videoSender = pc.addTransceiver(video, init).getSender();
        if (signal) {
            signalChannel = pc.createDataChannel(SIGNAL_CHANNEL, new RTCDataChannelInit());
        }
        String offer = Rtc.createOffer(pc);
        Rtc.setLocal(pc, RTCSdpType.OFFER, offer);
        return Rtc.gatheredLocalSdp(pc, events);
    }

    synchronized void applyAnswer(String answerSdp) throws SdpException {
        requireOpen();
        Rtc.setRemote(pc, RTCSdpType.ANSWER, answerSdp);
    }

    /** Guarded like every native call here: after close() the peer's handle is gone. */
    synchronized void addCandidates(List<RTCIceCandidate> candidates) throws SdpException {
        requireOpen();
        Rtc.addCandidates(pc, candidates);
    }

    /**
     * A player's {@code muteVideo}: Red5 stops sending it the stream's video until it unmutes. The encoding is
     * paused rather than the track removed, so no renegotiation is needed either way.
     */
    synchronized void holdBackVideo(boolean held) {
        RTCRtpSender sender = videoSender;
        if (closed.get() || sender == null) {
            return;
        }
        RTCRtpSendParameters parameters = sender.getParameters();
        parameters.encodings.forEach(e -> e.active = !held);
        sender.setParameters(parameters);
    }

    /** The {@code red5pro} channel this node offered, when the client asked for signalling. */
    Optional<RTCDataChannel> signalChannel() {
        return Optional.ofNullable(signalChannel);
    }

    String streamGuid() {
        return streamGuid;
    }

    String requestId() {
        return requestId;
    }

    synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RTCDataChannel channel = signalChannel;
        if (channel != null) {
            channel.close();
        }
        pc.close();
    }

    private void requireOpen() throws SdpException {
        if (closed.get()) {
            throw new SdpException("session closed");
        }
    }
}
