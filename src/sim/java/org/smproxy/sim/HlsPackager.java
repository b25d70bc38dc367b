package org.smproxy.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One stream's live HLS, as a Red5 node writes it: an ffmpeg process encoding a test pattern (H.264 + AAC) into
 * {@code <stream>.m3u8} and {@code <stream>_<seq>.ts} (1 s segments, a 6-segment sliding window) in its own temp
 * directory, until {@link #close()} kills it and deletes the directory.
 *
 * <p>ffmpeg runs under {@link Ffmpeg}'s watchdog, which kills it when its stdin pipe reaches EOF. Closing the
 * pipe is how {@link #close()} stops it, and the same EOF happens when the JVM dies in any way, even SIGKILL,
 * which runs no shutdown hook; the hook below still covers a normal exit without close.
 */
final class HlsPackager implements AutoCloseable {

    /** The first segment takes about 1.3 s; the rest is headroom for a busy 2-core machine. */
    static final Duration FIRST_PLAYLIST_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Set<HlsPackager> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(HlsPackager::reap), "sim-hls-reaper"));
    }

    private final String streamName;
    private final Path dir;
    private final Process process;
    private final long startNumber;
    private final long startedNanos = System.nanoTime();
    private final AtomicBoolean closed = new AtomicBoolean();

    private HlsPackager(String streamName, Path dir, Process process, long startNumber) {
        this.streamName = streamName;
        this.dir = dir;
        this.process = process;
        this.startNumber = startNumber;
    }

    /**
     * Starts ffmpeg and returns once its first playlist exists.
     *
     * @param startNumber the first media sequence number (and segment number)
     * @throws IllegalStateException when ffmpeg is missing, exits, or writes no playlist in time
     */
    static HlsPackager start(String label, String streamName, long startNumber) {
        List<String> cmd = Ffmpeg.hlsCommand(streamName, startNumber); // fails first when ffmpeg is missing
        return start(label, streamName, startNumber, dir -> cmd, dir -> { });
    }

    /**
     * As {@link #start(String, String, long)}, with the command made for the stream's directory and {@code running}
     * told that directory once ffmpeg runs, before the first playlist is awaited (a source that feeds ffmpeg starts
     * there, or no playlist ever comes).
     */
    static HlsPackager start(String label, String streamName, long startNumber,
                             java.util.function.Function<Path, List<String>> command,
                             java.util.function.Consumer<Path> running) {
        Path dir;
        try {
            dir = Files.createTempDirectory("simhls-" + label.replaceAll("[^A-Za-z0-9_.-]", "_") + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd;
        try {
            cmd = command.apply(dir);
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
        Process process;
        try {
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("ffmpeg.log").toFile())).start();
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new IllegalStateException("cannot run sh to start ffmpeg: " + e.getMessage(), e);
        }
        HlsPackager packager = new HlsPackager(streamName, dir, process, startNumber);
        LIVE.add(packager);
        try {
            running.accept(dir);
            packager.awaitFirstPlaylist();
        } catch (RuntimeException e) {
            packager.close();
            throw e;
        }
        return packager;
    }

    /** Polls for the playlist, which ffmpeg writes to a temp name and renames, so existing means complete. */
    private void awaitFirstPlaylist() {
        long deadline = System.nanoTime() + FIRST_PLAYLIST_TIMEOUT.toNanos();
        while (!Files.exists(playlist())) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ffmpeg exited (" + process.exitValue() + ") before writing "
                        + playlist().getFileName() + ": " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ffmpeg wrote no playlist within " + FIRST_PLAYLIST_TIMEOUT + ": " + logTail());
            }
            try {
                process.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for ffmpeg", e);
            }
        }
    }

    Path dir() { return dir; }
    Path playlist() { return dir.resolve(streamName + ".m3u8"); }
    String streamName() { return streamName; }
    long startNumber() { return startNumber; }
    ProcessHandle process() { return process.toHandle(); }
    boolean isAlive() { return process.isAlive(); }

    /** Wall-clock seconds since the start; with {@code -re} ffmpeg writes at most one segment per second. */
    long elapsedSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    }

    /** Stops ffmpeg (graceful via the watchdog, forced after a bound) and deletes the directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Taken first: once the shell exits, its watchdog child is re-parented and no longer a descendant.
        List<ProcessHandle> children = process.descendants().toList();
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the pipe is already gone; the forced path below still applies
        }
        boolean exited = false;
        try {
            exited = process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!exited) {
            kill();
        }
        children.forEach(HlsPackager::awaitOrKill);
        LIVE.remove(this);
        deleteQuietly(dir);
    }

    private static void awaitOrKill(ProcessHandle child) {
        try {
            child.onExit().get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            child.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroyForcibly();
        }
    }

    /** The shutdown hook's path: no graceful stop, the JVM is on its way out. */
    private void reap() {
        kill();
        try {
            process.onExit().get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            // leave the directory; the processes are already signalled
            return;
        }
        deleteQuietly(dir);
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private String logTail() {
        try {
            String log = Files.readString(dir.resolve("ffmpeg.log"), StandardCharsets.UTF_8).strip();
            return log.isEmpty() ? "(no output)" : log.substring(Math.max(0, log.length() - 2000));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
