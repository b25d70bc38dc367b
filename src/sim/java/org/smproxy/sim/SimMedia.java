package org.smproxy.sim;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * Owns the one {@link PeerConnectionFactory} that every simulated node and test peer of a JVM uses.
 *
 * <p>The factory must be built on {@link HeadlessAudioDeviceModule}: the default audio device module aborts
 * the JVM on machines without a sound system. Creating and disposing factories repeatedly is where
 * webrtc-java's native teardown is fragile, so {@link #shared()} hands out one instance that lives until the JVM
 * exits; call sites close their peer connections, never the shared factory.
 */
public final class SimMedia implements AutoCloseable {

    private static SimMedia shared;

    private final PeerConnectionFactory factory;
    private final boolean closeable;

    private SimMedia(boolean closeable) {
        this.factory = new PeerConnectionFactory(new HeadlessAudioDeviceModule());
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
}
