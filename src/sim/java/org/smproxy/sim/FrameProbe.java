package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** Counts decoded frames and samples their brightness, which identifies the synthetic source. */
final class FrameProbe implements VideoTrackSink {

    private static final int STEP = 4;

    private final AtomicLong frames = new AtomicLong();
    private volatile double lastLuma = -1;
    /** Width and height of the last decoded frame, packed so a reader never sees one frame's width with another's height. */
    private volatile long lastSize;

    @Override
    public void onVideoFrame(VideoFrame frame) {
        try {
            frames.incrementAndGet();
            lastSize = (long) frame.buffer.getWidth() << 32 | frame.buffer.getHeight();
            if (frame.buffer instanceof I420Buffer i420) {
                lastLuma = averageLuma(i420);
            }
        } finally {
            // The sink owns one reference to its copied buffer.
            frame.release();
        }
    }

    long frames() {
        return frames.get();
    }

    double lastLuma() {
        return lastLuma;
    }

    /** {@code WIDTHxHEIGHT} of the last decoded frame; empty before the first. */
    String lastSize() {
        long size = lastSize;
        return size == 0 ? "" : (size >>> 32) + "x" + (size & 0xffffffffL);
    }

    private static double averageLuma(I420Buffer buffer) {
        ByteBuffer y = buffer.getDataY();
        int stride = buffer.getStrideY();
        long sum = 0;
        long n = 0;
        for (int row = 0; row < buffer.getHeight(); row += STEP) {
            for (int col = 0; col < buffer.getWidth(); col += STEP) {
                sum += y.get(row * stride + col) & 0xff;
                n++;
            }
        }
        return n == 0 ? -1 : (double) sum / n;
    }
}
