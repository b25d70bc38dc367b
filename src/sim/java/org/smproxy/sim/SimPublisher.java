package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpSendParameters;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WHIP publisher that behaves like Red5's WHIPClient: POST the offer at once, apply the answer, then send
 * every candidate in one trickle PATCH after gathering, and DELETE to stop. Works against a node or a proxy.
 */
public final class SimPublisher implements AutoCloseable {

    private final PeerEvents events = new PeerEvents();
    private final RTCPeerConnection pc;
    /** The {@code red5pro} channel, opened as WHIPClient opens it when it asks for one ({@code signal=true}). */
    private final ChannelFrames channel;
    private URI resource;
    private String answerSdp;
    private int trickleStatus;
    private boolean deleted;

    private SimPublisher(SimMedia media, VideoTrack video, String streamId, boolean audio, boolean signal) {
        this.pc = media.newPeer(events, false);
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        init.streamIds = List.of(streamId);
        pc.addTransceiver(video, init);
        if (audio) {
            pc.addTransceiver(media.captureTrack(streamId + "-audio"), init);
        }
        channel = signal ? new ChannelFrames(pc.createDataChannel(WhepSession.SIGNAL_CHANNEL, new RTCDataChannelInit()))
                : null;
    }

    /**
     * @param endpoint   e.g. {@code http://node:5080/live/whip/endpoint/stream1} or the proxy's WHIP URL
     * @param postParams added to the POST only, as the SDK does ({@code mode}, {@code keyFramerate}, ...)
     * @throws SimHttpException if the POST is not answered with 201
     */
    public static SimPublisher publish(SimMedia media, URI endpoint, Map<String, String> postParams,
                                       SyntheticVideo video) throws IOException, SdpException {
        return publish(media, endpoint, postParams, video, false);
    }

    /** As {@link #publish(SimMedia, URI, Map, SyntheticVideo)}, with an audio track as well when {@code audio}. */
    public static SimPublisher publish(SimMedia media, URI endpoint, Map<String, String> postParams,
                                       SyntheticVideo video, boolean audio) throws IOException, SdpException {
        return publish(media, endpoint, postParams, video.track(), audio);
    }

    /** As {@link #publish(SimMedia, URI, Map, SyntheticVideo, boolean)}, sending any video track (a transcoder's rendition). */
    static SimPublisher publish(SimMedia media, URI endpoint, Map<String, String> postParams, VideoTrack video,
                                boolean audio) throws IOException, SdpException {
        SimPublisher p = new SimPublisher(media, video, "publisher", audio,
                "true".equals(postParams.get("signal")));
        try {
            p.negotiate(endpoint, postParams);
            return p;
        } catch (IOException | SdpException | RuntimeException e) {
            p.pc.close();
            throw e;
        }
    }

    private void negotiate(URI endpoint, Map<String, String> postParams) throws IOException, SdpException {
        String offer = Rtc.createOffer(pc);
        Rtc.setLocal(pc, RTCSdpType.OFFER, offer);
        HttpResponse<String> post = SimHttp.send("POST", SimHttp.withQuery(endpoint, postParams), Http.SDP, offer);
        SimHttp.expect(post, 201, "WHIP POST");
        resource = SimHttp.resourceUrl(endpoint, post.headers().firstValue("Location").orElse(null));
        answerSdp = post.body();
        Rtc.setRemote(pc, RTCSdpType.ANSWER, answerSdp);
        String gathered = Rtc.gatheredLocalSdp(pc, events);
        trickleStatus = SimHttp.send("PATCH", SimHttp.withQuery(resource, SimHttp.connectionParams(postParams)), Http.SDP_FRAG, SdpFrag.fromLocalDescription(gathered))
                .statusCode();
    }

    public void awaitConnected(Duration timeout) throws TimeoutException {
        try {
            events.connected().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("publisher connection " + events.state(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    /** Waits until the {@code red5pro} channel is open (the publish must have asked for it with {@code signal=true}). */
    public void awaitChannelOpen(Duration timeout) throws TimeoutException {
        channel().awaitOpen(timeout);
    }

    /** The SDK's {@code send(method, data)} on the data channel: {@code {"send":{"method":…,"data":…}}}. */
    public void send(String method, String dataJson) throws IOException {
        channel().send("{\"send\":{\"method\":" + WsFrames.JSON.writeValueAsString(method) + ",\"data\":"
                + dataJson + "}}");
    }

    /** Any text on the data channel, as the testbed's {@code getDataChannel().send(...)}. */
    public void sendOnChannel(String text) throws IOException {
        channel().send(text);
    }

    /** A binary message on the data channel, as the testbed sends recorded audio. */
    public void sendBytesOnChannel(byte[] bytes) throws IOException {
        channel().sendBytes(bytes);
    }

    /** What the node sent on the data channel so far, in order. */
    public List<String> channelMessages() {
        return channel().texts();
    }

    private ChannelFrames channel() {
        if (channel == null) {
            throw new IllegalStateException("published without signal=true: no red5pro data channel");
        }
        return channel;
    }

    /** Caps the video encoder, as a rendition's provisioned {@code videoBitRate} does; false if libwebrtc refused. */
    boolean maxVideoBitrate(int bitsPerSecond) {
        for (RTCRtpSender sender : pc.getSenders()) {
            if (sender.getTrack() instanceof VideoTrack) {
                RTCRtpSendParameters parameters = sender.getParameters();
                parameters.encodings.forEach(e -> e.maxBitrate = bitsPerSecond);
                try {
                    Rtc.call(() -> sender.setParameters(parameters));
                    return true;
                } catch (SdpException e) {
                    return false;
                }
            }
        }
        return false;
    }

    public URI resource() { return resource; }
    public String answerSdp() { return answerSdp; }
    public int trickleStatus() { return trickleStatus; }
    public PeerEvents events() { return events; }

    /** Ends the publish on the server; returns the status (200 expected). */
    public int delete() throws IOException {
        deleted = true;
        return SimHttp.send("DELETE", resource, null, null).statusCode();
    }

    /** DELETEs (once, errors swallowed like the SDK's forced teardown) and closes the peer. */
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
