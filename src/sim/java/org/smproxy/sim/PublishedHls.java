package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.io.OutputStream;
import java.io.RandomAccessFile;
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
 * publisher's WebRTC video, packed as raw I420, and its decoded audio, as 48 kHz mono PCM, piped through two FIFOs
 * into ffmpeg ({@link Ffmpeg#rawHlsCommand}), which writes the playlist and segments like the test-pattern packager.
 * It starts with the first frame (whose size it keeps) and ends with the publish: ffmpeg stopped, its directory
 * deleted, the playlist gone.
 *
 * <p>Media arrives on libwebrtc's threads, which must not wait: it is copied into small bounded queues that writer
 * threads drain into the FIFOs; when ffmpeg falls behind, frames and audio are dropped (and counted), never queued
 * without bound.
 *
 * <p>ffmpeg times the picture by the wall clock and the audio by its sample count, so the audio writer keeps the
 * sample count on the wall clock: it fills gaps (a publisher without audio, a muted one, a late start) with
 * silence, and drops audio that runs ahead. Without that, a publish with no audio would stall ffmpeg on its audio
 * input and no segment would ever be written.
 */
final class PublishedHls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PublishedHls.class.getName());
    /** About a quarter of a second of video: past it ffmpeg is behind and a frame is dropped. */
    private static final int QUEUE = 8;
    /** Audio is 10 ms a chunk: half a second of it. */
    private static final int AUDIO_QUEUE = 50;
    static final int AUDIO_RATE = 48_000;
    private static final long AUDIO_TICK_MS = 20;
    /** Audio further ahead of the clock than this is dropped; it is jitter below it. */
    private static final long AUDIO_LEAD_SAMPLES = AUDIO_RATE / 4;
    private static final String VIDEO_FIFO = "video.yuv";
    private static final String AUDIO_FIFO = "audio.pcm";

    private final String label;
    private final String streamName;
    private final long startNumber;
    private final ArrayBlockingQueue<byte[]> frames = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final ArrayBlockingQueue<short[]> audio = new ArrayBlockingQueue<>(AUDIO_QUEUE);
    private final AtomicLong audioReceived = new AtomicLong();
    private final AtomicLong audioDropped = new AtomicLong();
    private final AtomicLong silenceWritten = new AtomicLong();
    private volatile boolean audioFormatLogged;
    private volatile Path dir;
    private volatile boolean closed;
    private volatile HlsPackager packager;
    private volatile int width;
    private volatile int height;
    /** Set before the first frame when the publish is recorded; ffmpeg then also writes it. */
    private volatile Ffmpeg.Recording recording;

    PublishedHls(String label, String streamName, long startNumber) {
        this.label = label;
        this.streamName = streamName;
        this.startNumber = startNumber;
    }

    /** Records the publish too; only before the first frame, since ffmpeg's outputs are fixed when it starts. */
    PublishedHls record(Ffmpeg.Recording to) {
        if (started.get()) {
            throw new IllegalStateException("HLS of " + label + " already started: too late to record it");
        }
        recording = to;
        return this;
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
                daemon("sim-hls-" + label, this::run);
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

    /** 10 ms of decoded PCM, on libwebrtc's audio thread; copied as 48 kHz mono, the rest is dropped. */
    void offerAudio(byte[] pcm, int bitsPerSample, int sampleRate, int channels, int frames) {
        if (closed || !started.get()) {
            return; // before the first frame ffmpeg is not there to take it
        }
        if (bitsPerSample != 16 || channels < 1 || sampleRate <= 0 || pcm.length < frames * channels * 2) {
            if (!audioFormatLogged) {
                audioFormatLogged = true;
                LOG.log(Level.WARNING, "HLS of published {0}: audio of {1} bits, {2} Hz, {3} channels not taken",
                        label, bitsPerSample, sampleRate, channels);
            }
            return;
        }
        short[] mono = mono48k(pcm, sampleRate, channels, frames);
        audioReceived.addAndGet(mono.length);
        if (!audio.offer(mono)) {
            audioDropped.addAndGet(mono.length);
        }
    }

    /** Starts ffmpeg, then feeds it until closed. */
    private void run() {
        try {
            HlsPackager p = HlsPackager.start(label, streamName, startNumber, d -> {
                mkfifo(d.resolve(VIDEO_FIFO));
                mkfifo(d.resolve(AUDIO_FIFO));
                dir = d;
                return Ffmpeg.rawHlsCommand(streamName, startNumber, VIDEO_FIFO, width, height, AUDIO_FIFO, AUDIO_RATE,
                        recording);
            }, d -> {
                daemon("sim-hls-video-" + label, () -> write(d.resolve(VIDEO_FIFO)));
                daemon("sim-hls-audio-" + label, () -> writeAudio(d.resolve(AUDIO_FIFO)));
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

    /**
     * Keeps the audio FIFO's sample count on the wall clock from the moment ffmpeg opens it: decoded audio as it
     * comes, silence where none came in time, and what runs too far ahead dropped.
     */
    private void writeAudio(Path fifo) {
        try (OutputStream out = Files.newOutputStream(fifo)) { // waits for ffmpeg to open its end
            long t0 = System.nanoTime();
            long samples = 0;
            byte[] bytes = new byte[0];
            while (!closed) {
                short[] chunk = audio.poll(AUDIO_TICK_MS, TimeUnit.MILLISECONDS);
                long due = (System.nanoTime() - t0) / 1_000 * AUDIO_RATE / 1_000_000;
                if (chunk != null) {
                    if (samples + chunk.length > due + AUDIO_LEAD_SAMPLES) {
                        audioDropped.addAndGet(chunk.length);
                        continue;
                    }
                    bytes = le16(chunk, chunk.length, bytes);
                    out.write(bytes, 0, chunk.length * 2);
                    samples += chunk.length;
                } else if (samples < due) {
                    int gap = (int) Math.min(due - samples, AUDIO_RATE);
                    bytes = le16(null, gap, bytes);
                    out.write(bytes, 0, gap * 2);
                    samples += gap;
                    silenceWritten.addAndGet(gap);
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "HLS of published {0}: ffmpeg stopped reading audio: {1}", label,
                        e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The packager once ffmpeg wrote its first playlist. */
    Optional<HlsPackager> packager() {
        return Optional.ofNullable(packager);
    }

    @Override
    public void close() {
        closed = true;
        frames.clear();
        audio.clear();
        Path d = dir;
        if (d != null) {
            release(d.resolve(VIDEO_FIFO));
            release(d.resolve(AUDIO_FIFO));
        }
        HlsPackager p = packager;
        if (p != null) {
            p.close();
        }
        if (started.get()) {
            LOG.log(Level.INFO, "HLS of published {0} ended: {1} frames written, {2} dropped; audio {3} s received, "
                    + "{4} s dropped, {5} s of silence filled in", label, written.get(), dropped.get(),
                    seconds(audioReceived.get()), seconds(audioDropped.get()), seconds(silenceWritten.get()));
        }
    }

    private static String seconds(long samples) {
        return String.format(java.util.Locale.ROOT, "%.1f", samples / (double) AUDIO_RATE);
    }

    /**
     * A writer still waiting for ffmpeg to open its FIFO (ffmpeg failed or was stopped first) would wait forever:
     * opening the FIFO read-write, which Linux does without blocking, lets its open return, and its first write
     * then fails once this end is closed again.
     */
    private static void release(Path fifo) {
        try (RandomAccessFile ignored = new RandomAccessFile(fifo.toFile(), "rw")) {
            // opened and closed: that is all it takes
        } catch (IOException e) {
            // gone already: nobody waits on it
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
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

    /**
     * 16-bit PCM of any rate and channel count as 48 kHz mono: channels averaged, the rate changed by taking the
     * nearest sample (crude, and enough for a simulated node's HLS; libwebrtc decodes Opus at 48 kHz anyway).
     */
    static short[] mono48k(byte[] pcm, int sampleRate, int channels, int frames) {
        int outFrames = (int) ((long) frames * AUDIO_RATE / sampleRate);
        short[] out = new short[outFrames];
        for (int i = 0; i < outFrames; i++) {
            int src = (int) ((long) i * sampleRate / AUDIO_RATE);
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                int at = 2 * (src * channels + c);
                sum += (short) ((pcm[at] & 0xff) | (pcm[at + 1] << 8));
            }
            out[i] = (short) (sum / channels);
        }
        return out;
    }

    /** The first {@code n} samples (silence when {@code samples} is null) as little-endian bytes, reusing {@code buf}. */
    private static byte[] le16(short[] samples, int n, byte[] buf) {
        byte[] out = buf.length >= n * 2 ? buf : new byte[n * 2];
        for (int i = 0; i < n; i++) {
            short v = samples == null ? 0 : samples[i];
            out[2 * i] = (byte) v;
            out[2 * i + 1] = (byte) (v >> 8);
        }
        return out;
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
