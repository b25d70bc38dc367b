package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpCodecCapability;
import dev.onvoid.webrtc.RTCRtpSendParameters;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
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

    private static final System.Logger LOG = System.getLogger(WhepSession.class.getName());

    private final SimMedia media;
    private final String streamGuid;
    private final String requestId;
    private final PeerEvents events = new PeerEvents();
    private final RTCPeerConnection pc;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile RTCDataChannel signalChannel;
    private volatile RTCRtpSender videoSender;

    WhepSession(SimMedia media, String streamGuid, String requestId, boolean tcp, Consumer<WhepSession> onFailed) {
        this.media = media;
        this.streamGuid = streamGuid;
        this.requestId = requestId;
        events.onState(s -> {
            if (s == RTCPeerConnectionState.FAILED) {
                CompletableFuture.runAsync(() -> onFailed.accept(this));
            }
        });
        this.pc = media.newPeer(events, tcp);
    }

    /**
     * The node's offer ({@code a=setup:actpass}) carrying the stream's video, with the player's
     * {@code videoEncoding} first when this build can send it, and, if asked, the data channel.
     */
    synchronized String offer(VideoTrack video, Egress.Play play) throws SdpException {
        requireOpen();
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        // msid tokens may not contain '/', which stream GUIDs do.
        init.streamIds = List.of(streamGuid.replace('/', '_'));
        RTCRtpTransceiver transceiver = pc.addTransceiver(video, init);
        videoSender = transceiver.getSender();
        VideoEncoding.codec(play.videoEncoding()).ifPresent(codec -> prefer(transceiver, codec));
        if (play.signal()) {
            signalChannel = pc.createDataChannel(SIGNAL_CHANNEL, new RTCDataChannelInit());
        }
        String offer = Rtc.createOffer(pc);
        Rtc.setLocal(pc, RTCSdpType.OFFER, offer);
        return Rtc.gatheredLocalSdp(pc, events);
    }

    /**
     * Red5 offers the requested codec first, so the viewer's answer, and the media, use it. What Red5 does with a
     * codec it cannot send is not documented; here the offer keeps the default order (VP8 first) and a log line
     * says why, so the player still plays.
     */
    private void prefer(RTCRtpTransceiver transceiver, String codec) {
        List<RTCRtpCodecCapability> sendable = media.videoSendCodecs();
        Optional<List<RTCRtpCodecCapability>> preferred = VideoEncoding.preferring(codec, sendable);
        if (preferred.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "{0} {1}: videoEncoding={2} cannot be sent by this libwebrtc build; "
                    + "offering the default codec", streamGuid, requestId, codec);
            return;
        }
        try {
            Rtc.call(() -> transceiver.setCodecPreferences(preferred.get()));
        } catch (SdpException e) {
            // The default offer still plays.
            LOG.log(System.Logger.Level.WARNING, "{0} {1}: videoEncoding={2} refused by libwebrtc ({3}); "
                    + "offering the default codec", streamGuid, requestId, codec, e.getMessage());
        }
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
