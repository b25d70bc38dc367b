package org.smproxy.sim;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One published stream as the rest of the cluster sees it: frames decoded from the publisher are pushed into
 * a local video source, and every subscriber peer (on any edge of this origin) sends that source's track.
 *
 * <p>Subscribers therefore re-encode the publisher's picture; keyframe requests from viewers are answered by
 * their own encoder and never reach the publisher, which keeps playback start independent of the ingest.
 * The relay outlives publish sessions so that a republish feeds existing viewers again.
 *
 * <p>The publisher's decoded audio goes only to the stream's HLS: WebRTC viewers of a simulated node get the
 * picture alone (a custom audio source would race the headless module's capture inside libwebrtc).
 */
final class StreamRelay implements VideoTrackSink {

    private final String streamGuid;
    private final CustomVideoSource source = new CustomVideoSource();
    private final VideoTrack track;
    private final AtomicLong frames = new AtomicLong();
    /** The stream's HLS while it is published, fed the same frames; null when none runs. */
    private volatile PublishedHls hls;
    private final AudioTrackSink audio = this::onAudio;

    StreamRelay(PeerConnectionFactory factory, String streamGuid) {
        this.streamGuid = streamGuid;
        this.track = factory.createVideoTrack("relay-" + streamGuid.replace('/', '-'), source);
    }

    @Override
    public void onVideoFrame(VideoFrame frame) {
        frames.incrementAndGet();
        try {
            PublishedHls tap = hls;
            if (tap != null) {
                tap.offer(frame);
            }
            source.pushFrame(frame);
        } finally {
            // The sink hands over a copied buffer holding one reference; pushFrame took its own.
            frame.release();
        }
    }

    /** Decoded audio, on libwebrtc's audio thread: 10 ms of PCM per call. */
    private void onAudio(byte[] pcm, int bitsPerSample, int sampleRate, int channels, int frames) {
        PublishedHls tap = hls;
        if (tap != null) {
            tap.offerAudio(pcm, bitsPerSample, sampleRate, channels, frames);
        }
    }

    AudioTrackSink audioSink() {
        return audio;
    }

    void hls(PublishedHls packager) {
        hls = packager;
    }

    VideoTrack track() {
        return track;
    }

    String streamGuid() {
        return streamGuid;
    }

    long framesDecoded() {
        return frames.get();
    }

    /** Only once no peer connection sends the track any more: libwebrtc refuses to free a track in use. */
    void dispose() {
        try {
            track.dispose();
            source.dispose();
        } catch (Error e) {
            // "Native object was not deleted": a closed peer still holds a reference; the factory frees it.
        }
    }
}
