package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A camera substitute: 30 fps of flat grey at a chosen brightness with a thin moving bar (a still picture
 * would let the encoder send almost nothing). The brightness is the picture's fingerprint: a viewer that
 * measures the same average luma is watching this publisher.
 */
public final class SyntheticVideo implements AutoCloseable {

    private static final int BAR_WIDTH = 8;

    private final CustomVideoSource source = new CustomVideoSource();
    private final VideoTrack track;
    private final int width;
    private final int height;
    private final byte[] row;
    private final byte[] chroma;
    private final ScheduledExecutorService timer;
    private final AtomicLong frames = new AtomicLong();

    public SyntheticVideo(SimMedia media, int width, int height, int luma) {
        this.width = width;
        this.height = height;
        this.row = new byte[width];
        Arrays.fill(row, (byte) luma);
        this.chroma = new byte[(width + 1) / 2];
        Arrays.fill(chroma, (byte) 128);
        this.track = media.factory().createVideoTrack("synthetic", source);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "synthetic-video");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::pushFrame, 0, 33, TimeUnit.MILLISECONDS);
    }

    public VideoTrack track() {
        return track;
    }

    public long framesPushed() {
        return frames.get();
    }

    private void pushFrame() {
        NativeI420Buffer buffer = NativeI420Buffer.allocate(width, height);
        int bar = (int) (frames.get() * 4 % Math.max(1, width - BAR_WIDTH));
        fillPlane(buffer.getDataY(), buffer.getStrideY(), height, row, bar);
        fillPlane(buffer.getDataU(), buffer.getStrideU(), (height + 1) / 2, chroma, -1);
        fillPlane(buffer.getDataV(), buffer.getStrideV(), (height + 1) / 2, chroma, -1);
        VideoFrame frame = new VideoFrame(buffer, System.nanoTime());
        try {
            source.pushFrame(frame);
            frames.incrementAndGet();
        } finally {
            frame.release();
        }
    }

    /** @param bar x of the bar drawn in inverted brightness, or -1 for none */
    private static void fillPlane(ByteBuffer plane, int stride, int rows, byte[] line, int bar) {
        byte inverted = (byte) (255 - (line[0] & 0xff));
        for (int y = 0; y < rows; y++) {
            plane.put(y * stride, line);
            if (bar >= 0) {
                for (int x = bar; x < bar + BAR_WIDTH; x++) {
                    plane.put(y * stride + x, inverted);
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
