package org.smproxy.sim;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpCodecCapability;
import dev.onvoid.webrtc.media.MediaType;
import dev.onvoid.webrtc.media.audio.AudioOptions;
import dev.onvoid.webrtc.media.audio.AudioSource;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.List;

/**
 * Owns the one {@link PeerConnectionFactory} that every simulated node and test peer of a JVM uses.
 *
 * <p>The factory must be built on {@link HeadlessAudioDeviceModule}: the default audio device module aborts
 * the JVM on machines without a sound system. Its playout runs, with no device behind it: libwebrtc decodes a
 * received audio track only while playout pulls audio, so without it a node's sink of a publisher's audio (for its
 * HLS) would never be called. Its capture, which every local audio track of the factory carries, is a 440 Hz tone,
 * so a test publisher's audio can be told from the silence of none. The order is webrtc-java's: playout started
 * and the capture source set after the factory exists, or the capture stays silent.
 *
 * <p>Creating and disposing factories repeatedly is where webrtc-java's native teardown is fragile, so
 * {@link #shared()} hands out one instance that lives until the JVM exits; call sites close their peer connections,
 * never the shared factory.
 */
public final class SimMedia implements AutoCloseable {

    private static SimMedia shared;

    private final PeerConnectionFactory factory;
    private final boolean closeable;

    private SimMedia(boolean closeable) {
        HeadlessAudioDeviceModule audio = new HeadlessAudioDeviceModule();
        this.factory = new PeerConnectionFactory(audio);
        audio.initPlayout();
        audio.startPlayout();
        audio.setAudioSource(new Tone(440));

        this.closeable = closeable;
    }

    /** The JVM-wide instance, created on first use. */
    public static synchronized SimMedia shared() {
        if (shared == null) {
            shared = new SimMedia(false);
        }
        return shared;
    }

    /** A private factory that {@link #close()} disposes; only for code that must prove clean native shutdown. */
    public static SimMedia createPrivate() {
        return new SimMedia(true);
    }

    public PeerConnectionFactory factory() {
        return factory;
    }

    /** A track of the headless capture (the tone), for a test publisher that sends audio as a browser does. */
    public AudioTrack captureTrack(String id) {
        return factory.createAudioTrack(id, factory.createAudioSource(new AudioOptions()));
    }

    /** The video codecs this libwebrtc build can send, in its default offer order (VP8 first). */
    public List<RTCRtpCodecCapability> videoSendCodecs() {
        return factory.getRtpSenderCapabilities(MediaType.VIDEO).getCodecs();
    }

    /**
     * A peer without ICE servers (the simulated network has none to reach). TCP candidates only when asked
     * for, as Red5 nodes gather UDP only unless the client sends {@code transport=tcp}.
     */
    public RTCPeerConnection newPeer(PeerEvents events, boolean tcp) {
        RTCConfiguration config = new RTCConfiguration();
        config.portAllocatorConfig = new PortAllocatorConfig().setDisableTcp(!tcp);
        return factory.createPeerConnection(config, events);
    }

    @Override
    public void close() {
        if (closeable) {
            factory.dispose();
        }
    }

    /** A sine at a quarter of full scale, continuous across the 10 ms buffers the capture asks for. */
    private static final class Tone implements AudioSource {
        private final double hz;
        private long sample;

        Tone(double hz) {
            this.hz = hz;
        }

        @Override
        public int onPlaybackData(byte[] buffer, int samples, int bytesPerSample, int channels, int sampleRate) {
            if (bytesPerSample != 2 || channels < 1) {
                return 0;
            }
            int n = Math.min(samples, buffer.length / (2 * channels));
            for (int i = 0; i < n; i++, sample++) {
                short v = (short) (8192 * Math.sin(2 * Math.PI * hz * sample / sampleRate));
                for (int c = 0; c < channels; c++) {
                    int at = 2 * (i * channels + c);
                    buffer[at] = (byte) v;
                    buffer[at + 1] = (byte) (v >> 8);
                }
            }
            return n;
        }
    }
}
