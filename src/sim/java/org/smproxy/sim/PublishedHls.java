package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A published stream's live HLS, as a Red5 origin makes it of every publish: the frames decoded from the
 * publisher's WebRTC track, packed as raw I420 and piped through a FIFO into ffmpeg ({@link Ffmpeg#rawHlsCommand}),
 * which writes the playlist and segments like the test-pattern packager. It starts with the first frame (whose
 * size it keeps) and ends with the publish: ffmpeg stopped, its directory deleted, the playlist gone.
 *
 * <p>Frames arrive on libwebrtc's thread, which must not wait: they are copied into a small bounded queue that a
 * writer thread drains into the FIFO; when ffmpeg falls behind, frames are dropped (and counted), never queued
 * without bound.
 */
final class PublishedHls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PublishedHls.class.getName());
    /** About a quarter of a second of video: past it ffmpeg is behind and a frame is dropped. */
    private static final int QUEUE = 8;

    private final String label;
    private final String streamName;
    private final long startNumber;
    private final ArrayBlockingQueue<byte[]> frames = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean closed;
    private volatile HlsPackager packager;
    private volatile int width;
    private volatile int height;

    PublishedHls(String label, String streamName, long startNumber) {
        this.label = label;
        this.streamName = streamName;
        this.startNumber = startNumber;
    }

    /** One decoded frame, on libwebrtc's thread; the caller keeps (and releases) the frame. */
    void offer(VideoFrame frame) {
        if (closed) {
            return;
        }
        I420Buffer owned = frame.buffer instanceof I420Buffer i ? null : frame.buffer.toI420();
        I420Buffer b = owned != null ? owned : (I420Buffer) frame.buffer;
        try {
            if (started.compareAndSet(false, true)) {
                width = b.getWidth() & ~1;
                height = b.getHeight() & ~1;
                Thread t = new Thread(this::run, "sim-hls-" + label);
                t.setDaemon(true);
                t.start();
            }
            if (b.getWidth() < width || b.getHeight() < height) {
                dropped.incrementAndGet(); // a smaller picture than the first: not in ffmpeg's fixed input size
                return;
            }
            if (!frames.offer(pack(b, width, height))) {
                dropped.incrementAndGet();
            }
        } finally {
            if (owned != null) {
                owned.release();
            }
        }
    }

    /** Starts ffmpeg, then feeds it until closed. */
    private void run() {
        try {
            HlsPackager p = HlsPackager.start(label, streamName, startNumber, dir -> {
                Path fifo = dir.resolve("video.yuv");
                mkfifo(fifo);
                return Ffmpeg.rawHlsCommand(streamName, startNumber, fifo.getFileName().toString(), width, height);
            }, dir -> {
                Thread w = new Thread(() -> write(dir.resolve("video.yuv")), "sim-hls-writer-" + label);
                w.setDaemon(true);
                w.start();
            });
            packager = p;
            if (closed) {
                p.close();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "HLS of published {0} did not start: {1}", label, e.getMessage());
        }
    }

    private void write(Path fifo) {
        try (OutputStream out = Files.newOutputStream(fifo)) { // waits for ffmpeg to open its end
            while (!closed) {
                byte[] f = frames.poll(200, TimeUnit.MILLISECONDS);
                if (f != null) {
                    out.write(f);
                    written.incrementAndGet();
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "HLS of published {0}: ffmpeg stopped reading: {1}", label, e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The packager once ffmpeg wrote its first playlist. */
    Optional<HlsPackager> packager() {
        return Optional.ofNullable(packager);
    }

    long framesWritten() {
        return written.get();
    }

    long framesDropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        closed = true;
        frames.clear();
        HlsPackager p = packager;
        if (p != null) {
            p.close();
        }
    }

    private static void mkfifo(Path fifo) {
        try {
            Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("mkfifo " + fifo + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run mkfifo: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The picture's top-left {@code w}x{@code h} as contiguous I420 planes (the buffer's rows may be padded). */
    static byte[] pack(I420Buffer b, int w, int h) {
        byte[] out = new byte[w * h * 3 / 2];
        int at = copy(b.getDataY(), b.getStrideY(), w, h, out, 0);
        at = copy(b.getDataU(), b.getStrideU(), w / 2, h / 2, out, at);
        copy(b.getDataV(), b.getStrideV(), w / 2, h / 2, out, at);
        return out;
    }

    private static int copy(ByteBuffer plane, int stride, int w, int h, byte[] out, int at) {
        ByteBuffer src = plane.duplicate();
        for (int row = 0; row < h; row++) {
            src.position(row * stride);
            src.get(out, at, w);
            at += w;
        }
        return at;
    }
}
