package org.smproxy.sim;

import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Turns a peer connection's callbacks into futures and hooks.
 *
 * <p>Callbacks arrive on libwebrtc's signalling thread; hooks must not block it or call back into the peer
 * connection synchronously (close it from another thread).
 */
public final class PeerEvents implements PeerConnectionObserver {

    private final CompletableFuture<Void> gathered = new CompletableFuture<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final List<RTCDataChannel> dataChannels = new CopyOnWriteArrayList<>();
    private volatile RTCPeerConnectionState state = RTCPeerConnectionState.NEW;
    private volatile Consumer<RTCRtpTransceiver> trackHook = t -> { };
    private volatile Consumer<RTCPeerConnectionState> stateHook = s -> { };
    private volatile Consumer<RTCIceCandidate> candidateHook = c -> { };
    private volatile Consumer<RTCDataChannel> dataChannelHook = c -> { };

    public PeerEvents onTrack(Consumer<RTCRtpTransceiver> hook) {
        this.trackHook = hook;
        return this;
    }

    public PeerEvents onState(Consumer<RTCPeerConnectionState> hook) {
        this.stateHook = hook;
        return this;
    }

    /** Each local candidate as it is gathered, for trickle signalling (WebSocket); WHIP/WHEP ignore them. */
    public PeerEvents onCandidate(Consumer<RTCIceCandidate> hook) {
        this.candidateHook = hook;
        return this;
    }

    /** Each data channel the remote side opens, also kept in {@link #remoteDataChannels()}. */
    public PeerEvents onDataChannel(Consumer<RTCDataChannel> hook) {
        this.dataChannelHook = hook;
        return this;
    }

    /** Completes when ICE gathering is complete, so the local description carries every candidate. */
    public CompletableFuture<Void> gathered() {
        return gathered;
    }

    /** Completes on CONNECTED; fails if the connection fails or closes first. */
    public CompletableFuture<Void> connected() {
        return connected;
    }

    /** Waits for CONNECTED; fails at once if the connection fails or closes first. */
    public void awaitConnected(Duration timeout, String who) throws TimeoutException {
        try {
            connected.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(who + " connection " + state, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    public RTCPeerConnectionState state() {
        return state;
    }

    /** Data channels opened by the remote side. */
    public List<RTCDataChannel> remoteDataChannels() {
        return dataChannels;
    }

    @Override
    public void onIceCandidate(RTCIceCandidate candidate) {
        // WHIP/WHEP are non-trickle here (candidates are read from the gathered local description); only the
        // WebSocket clients trickle.
        candidateHook.accept(candidate);
    }

    @Override
    public void onIceGatheringChange(RTCIceGatheringState gatheringState) {
        if (gatheringState == RTCIceGatheringState.COMPLETE) {
            gathered.complete(null);
        }
    }

    @Override
    public void onConnectionChange(RTCPeerConnectionState newState) {
        state = newState;
        if (newState == RTCPeerConnectionState.CONNECTED) {
            connected.complete(null);
        } else if (newState == RTCPeerConnectionState.FAILED || newState == RTCPeerConnectionState.CLOSED) {
            connected.completeExceptionally(new IllegalStateException("peer connection " + newState));
        }
        stateHook.accept(newState);
    }

    @Override
    public void onTrack(RTCRtpTransceiver transceiver) {
        trackHook.accept(transceiver);
    }

    @Override
    public void onDataChannel(RTCDataChannel channel) {
        dataChannels.add(channel);
        dataChannelHook.accept(channel);
    }
}
