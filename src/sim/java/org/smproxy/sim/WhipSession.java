package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** One WHIP publisher on a node: the node answers the client's offer and feeds the decoded media to a relay. */
final class WhipSession {

    private final String streamGuid;
    private final String etag = "\"" + UUID.randomUUID() + "\"";
    private final StreamRelay relay;
    private final PeerEvents events = new PeerEvents();
    private final RTCPeerConnection pc;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<RTCDataChannel> remoteChannel = new CompletableFuture<>();
    private volatile VideoTrack ingestTrack;
    private volatile AudioTrack ingestAudio;

    /** @param onFailed called (off the signalling thread) when the peer fails and the session should go */
    WhipSession(SimMedia media, String streamGuid, StreamRelay relay, boolean tcp, Consumer<WhipSession> onFailed) {
        this.streamGuid = streamGuid;
        this.relay = relay;
        events.onTrack(t -> {
            MediaStreamTrack track = t.getReceiver().getTrack();
            if (track instanceof VideoTrack video && ingestTrack == null) {
                ingestTrack = video;
                video.addSink(relay);
            } else if (track instanceof AudioTrack audio && ingestAudio == null) {
                ingestAudio = audio;
                audio.addSink(relay.audioSink());
            }
        });
        events.onState(s -> {
            if (s == RTCPeerConnectionState.FAILED) {
                CompletableFuture.runAsync(() -> onFailed.accept(this));
            }
        });
        events.onDataChannel(remoteChannel::complete);
        this.pc = media.newPeer(events, tcp);
    }

    /** Non-trickle answer: returned only once gathering is complete (bounded), so it carries candidates. */
    synchronized String answer(String offerSdp) throws SdpException {
        requireOpen();
        Rtc.setRemote(pc, RTCSdpType.OFFER, offerSdp);
        String answer = Rtc.createAnswer(pc);
        Rtc.setLocal(pc, RTCSdpType.ANSWER, answer);
        return Rtc.gatheredLocalSdp(pc, events);
    }

    /** Guarded like every native call here: after close() the peer's handle is gone. */
    synchronized void addCandidates(List<RTCIceCandidate> candidates) throws SdpException {
        requireOpen();
        Rtc.addCandidates(pc, candidates);
    }

    /** The first data channel the publisher opens (Red5's SDK opens {@code red5pro} for signalling). */
    CompletableFuture<RTCDataChannel> remoteDataChannel() {
        return remoteChannel;
    }

    String streamGuid() {
        return streamGuid;
    }

    String etag() {
        return etag;
    }

    synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        VideoTrack track = ingestTrack;
        if (track != null) {
            track.removeSink(relay);
        }
        AudioTrack audio = ingestAudio;
        if (audio != null) {
            audio.removeSink(relay.audioSink());
        }
        pc.close();
    }

    private void requireOpen() throws SdpException {
        if (closed.get()) {
            throw new SdpException("session closed");
        }
    }
}
