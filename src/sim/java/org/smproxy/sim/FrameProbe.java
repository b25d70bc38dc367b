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

    @Override
    public void onVideoFrame(VideoFrame frame) {
        try {
            frames.incrementAndGet();
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
