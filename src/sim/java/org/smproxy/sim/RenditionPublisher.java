package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoFrameBuffer;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.Map;

/**
 * One rendition on its way to an origin: the source's decoded frames scaled to the provisioned size, pushed into a
 * video source of its own, and sent by a WHIP publisher whose encoder is capped at the provisioned bitrate.
 */
final class RenditionPublisher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RenditionPublisher.class.getName());

    private final Rendition rendition;
    private final CustomVideoSource source = new CustomVideoSource();
    private final VideoTrack track;
    private volatile SimPublisher publisher;
    private volatile boolean closed;

    RenditionPublisher(SimMedia media, Rendition rendition) {
        this.rendition = rendition;
        this.track = media.factory().createVideoTrack("rendition-" + rendition.streamGuid().replace('/', '-'), source);
    }

    Rendition rendition() {
        return rendition;
    }

    /** WHIP to the origin, as any publisher would; the origin then carries the rendition like any publish. */
    void publish(SimMedia media, URI origin) throws IOException, SdpException {
        String guid = rendition.streamGuid();
        int slash = guid.lastIndexOf('/');
        URI endpoint = origin.resolve("/" + guid.substring(0, slash) + "/whip/endpoint/" + guid.substring(slash + 1));
        SimPublisher p = SimPublisher.publish(media, endpoint, Map.of("mode", "live"), track, false);
        publisher = p;
        if (rendition.bitRate() > 0 && !p.maxVideoBitrate(rendition.bitRate())) {
            LOG.log(Level.WARNING, "rendition {0}: libwebrtc refused a {1} bps cap", guid, rendition.bitRate());
        }
        if (closed) {
            p.close();
        }
    }

    /** One frame of the source, on libwebrtc's thread; the caller keeps (and releases) the frame. */
    synchronized void offer(VideoFrame frame) {
        if (closed) {
            return;
        }
        VideoFrameBuffer scaled = needsScaling(frame.buffer) ? scale(frame.buffer) : null;
        VideoFrame out = scaled == null ? frame : new VideoFrame(scaled, frame.timestampNs);
        try {
            source.pushFrame(out);
        } finally {
            if (scaled != null) {
                out.release();
            }
        }
    }

    /**
     * webrtc-java 0.14's {@code cropAndScale} to the buffer's own size gives a buffer without native data, and
     * pushing that aborts the JVM (libwebrtc's "video_frame_buffer_ != nullptr"): such a frame goes as it is.
     */
    private boolean needsScaling(VideoFrameBuffer in) {
        return rendition.scales() && (in.getWidth() != rendition.width() || in.getHeight() != rendition.height());
    }

    /** The centre of the picture at the rendition's aspect ratio, scaled to its size (libyuv, inside libwebrtc). */
    private VideoFrameBuffer scale(VideoFrameBuffer in) {
        int w = in.getWidth();
        int h = in.getHeight();
        int cropW = w;
        int cropH = h;
        if ((long) w * rendition.height() > (long) h * rendition.width()) {
            cropW = (int) ((long) h * rendition.width() / rendition.height());
        } else {
            cropH = (int) ((long) w * rendition.height() / rendition.width());
        }
        if (cropW == rendition.width() && cropH == rendition.height()) {
            // A crop already at the target size reaches the same fault as above (Chromium's 640x480 camera for a
            // 640x360 rendition): take up to two rows (or columns) more and let the scaler bring it to size.
            if (cropH < h) {
                cropH += Math.min(2, h - cropH);
            } else {
                cropW += Math.min(2, w - cropW);
            }
        }
        return in.cropAndScale((w - cropW) / 2, (h - cropH) / 2, cropW, cropH, rendition.width(), rendition.height());
    }

    /** Ends the publish on the origin (WHIP DELETE) and frees the source. */
    @Override
    public void close() {
        closed = true;
        SimPublisher p = publisher;
        if (p != null) {
            p.close();
        }
        dispose();
    }

    /** Under the lock {@link #offer} holds: a frame pushed into a freed source would crash the JVM. */
    private synchronized void dispose() {
        try {
            track.dispose();
            source.dispose();
        } catch (Error e) {
            // "Native object was not deleted": the closed peer still holds a reference; the factory frees it.
        }
    }
}
