package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WHEP player for Red5's server-offer flow, like the SDK's WHEPClient: POST (empty body) → the node's
 * offer, PATCH the answer ({@code 201}), trickle PATCH after gathering ({@code 204}), DELETE to stop.
 */
public final class SimPlayer implements AutoCloseable {

    private final PeerEvents events = new PeerEvents();
    private final FrameProbe probe = new FrameProbe();
    private final RTCPeerConnection pc;
    /** The node's {@code red5pro} channel, watched from the moment it arrives so no message goes unseen. */
    private final CompletableFuture<ChannelFrames> channel = new CompletableFuture<>();
    private URI resource;
    private String offerSdp;
    private String answerSdp;
    private int answerStatus;
    private int trickleStatus;
    private boolean deleted;

    private SimPlayer(SimMedia media) {
        events.onTrack(t -> {
            if (t.getReceiver().getTrack() instanceof VideoTrack video) {
                video.addSink(probe);
            }
        });
        events.onDataChannel(c -> {
            if (c.getLabel().equals(WhepSession.SIGNAL_CHANNEL)) {
                channel.complete(new ChannelFrames(c));
            }
        });
        this.pc = media.newPeer(events, false);
    }

    /**
     * @param endpoint   WHEP endpoint including {@code ?requestId=...}, on a node or the proxy
     * @param postParams added to the POST only, e.g. {@code signal=true}
     * @throws SimHttpException if the POST is not answered with 201
     */
    public static SimPlayer play(SimMedia media, URI endpoint, Map<String, String> postParams)
            throws IOException, SdpException {
        SimPlayer p = new SimPlayer(media);
        try {
            p.negotiate(endpoint, postParams);
            return p;
        } catch (IOException | SdpException | RuntimeException e) {
            p.pc.close();
            throw e;
        }
    }

    private void negotiate(URI endpoint, Map<String, String> postParams) throws IOException, SdpException {
        HttpResponse<String> post = SimHttp.send("POST", SimHttp.withQuery(endpoint, postParams), Http.SDP, "");
        SimHttp.expect(post, 201, "WHEP POST");
        resource = SimHttp.resourceUrl(endpoint, post.headers().firstValue("Location").orElse(null));
        offerSdp = post.body();
        Rtc.setRemote(pc, RTCSdpType.OFFER, offerSdp);
        String answer = Rtc.createAnswer(pc);
        Rtc.setLocal(pc, RTCSdpType.ANSWER, answer);
        answerSdp = answer;
        answerStatus = SimHttp.send("PATCH", SimHttp.withQuery(resource, SimHttp.connectionParams(postParams)), Http.SDP, answer).statusCode();
        String gathered = Rtc.gatheredLocalSdp(pc, events);
        trickleStatus = SimHttp.send("PATCH", SimHttp.withQuery(resource, SimHttp.connectionParams(postParams)), Http.SDP_FRAG, SdpFrag.fromLocalDescription(gathered))
                .statusCode();
    }

    public void awaitConnected(Duration timeout) throws TimeoutException {
        try {
            events.connected().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("player connection " + events.state(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    public URI resource() { return resource; }
    public String offerSdp() { return offerSdp; }
    public String answerSdp() { return answerSdp; }
    /** The video codec this player's answer chose (e.g. {@code VP8}, {@code H264}); set {@code videoEncoding} in the POST params. */
    public Optional<String> answerVideoCodec() { return VideoCodecProbe.firstVideoCodec(answerSdp); }
    /** The video codec of the RTP this player receives, from its stats; empty before media arrives. */
    public Optional<String> receivedVideoCodec() { return VideoCodecProbe.receivedVideoCodec(pc); }
    public int answerStatus() { return answerStatus; }
    public int trickleStatus() { return trickleStatus; }
    public PeerEvents events() { return events; }
    public long framesDecoded() { return probe.frames(); }
    /** Average brightness (0–255) of the last decoded frame; compare with the publisher's {@link SyntheticVideo}. */
    public double lastLuma() { return probe.lastLuma(); }
    /** {@code WIDTHxHEIGHT} of the last decoded frame (e.g. {@code 640x360}); empty before the first. */
    public String lastFrameSize() { return probe.lastSize(); }

    public List<String> dataChannelLabels() {
        return events.remoteDataChannels().stream().map(RTCDataChannel::getLabel).toList();
    }

    /** Waits until the node's {@code red5pro} channel is open (offered when the player asked with {@code signal=true}). */
    public void awaitChannelOpen(Duration timeout) throws TimeoutException {
        try {
            channel.get(timeout.toMillis(), TimeUnit.MILLISECONDS).awaitOpen(timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    /** Any text on the data channel, e.g. the SDK's {@code {"mute":{…}}} or {@code {"callAdapter":{…},…}}. */
    public void sendOnChannel(String text) throws IOException {
        ChannelFrames c = channel.getNow(null);
        if (c == null) {
            throw new IOException("no red5pro data channel (play with signal=true)");
        }
        c.send(text);
    }

    /** What the node sent on the data channel so far, in order. */
    public List<String> channelMessages() {
        ChannelFrames c = channel.getNow(null);
        return c == null ? List.of() : c.texts();
    }

    /** The binary messages the node sent on the data channel so far, in order. */
    public List<byte[]> binaryChannelMessages() {
        ChannelFrames c = channel.getNow(null);
        return c == null ? List.of() : c.binaries();
    }

    /** Ends the subscription on the server; returns the status (200 expected). */
    public int delete() throws IOException {
        deleted = true;
        return SimHttp.send("DELETE", resource, null, null).statusCode();
    }

    @Override
    public void close() {
        try {
            if (!deleted && resource != null) {
                delete();
            }
        } catch (IOException e) {
            // the server may be gone already
        } finally {
            pc.close();
        }
    }
}
