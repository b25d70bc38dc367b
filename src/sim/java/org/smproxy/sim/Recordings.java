package org.smproxy.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node's recordings, as Red5 keeps them in {@code webapps/<app>/streams/}: one HLS VOD per recorded stream name
 * ({@code <name>.m3u8} and {@code <name>_<n>.ts}), in the node's own temp storage, deleted with the node.
 *
 * <p>Disk use is bounded: when a recording ends, whole finished recordings are deleted, oldest first, until the
 * storage is within its bytes and files. A recording being written is never evicted, so a long one may overshoot
 * the cap until it ends.
 */
final class Recordings implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Recordings.class.getName());
    private static final String PLAYLIST = ".m3u8";

    /** What the listing servlets report of one recording. */
    record Entry(String app, String name, long lastModified, long length) {
    }

    private final String nodeId;
    private final Path root;
    private final long maxBytes;
    private final int maxFiles;
    /** Stream GUID to its recording's playlist while it is written: not listed, served or evicted meanwhile. */
    private final Map<String, Path> writing = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Recordings(String nodeId, long maxBytes, int maxFiles) {
        this.nodeId = nodeId;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        try {
            root = Files.createTempDirectory("simvod-" + nodeId.replaceAll("[^A-Za-z0-9_.-]", "_") + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where a recorded publish of {@code streamGuid} writes, or empty for a live one. {@code record} replaces a
     * recording of the same name, as Red5 overwrites its file; {@code append} continues it.
     */
    synchronized Optional<Ffmpeg.Recording> start(String streamGuid, PublishMode mode) {
        if (mode == PublishMode.LIVE || closed) {
            return Optional.empty();
        }
        String name = streamGuid.substring(streamGuid.lastIndexOf('/') + 1);
        Path dir = streams(app(streamGuid));
        try {
            Files.createDirectories(dir);
            if (mode == PublishMode.RECORD) {
                deleteRecording(dir, name);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "node {0}: cannot record {1}: {2}", nodeId, streamGuid, e.getMessage());
            return Optional.empty();
        }
        Path playlist = dir.resolve(name + PLAYLIST);
        writing.put(streamGuid, playlist);
        return Optional.of(new Ffmpeg.Recording(playlist, dir.resolve(name + "_%d.ts").toString(),
                mode == PublishMode.APPEND));
    }

    /** The publish ended and ffmpeg with it: the recording is final, and the oldest go if the storage is over. */
    synchronized void finished(String streamGuid) {
        if (writing.remove(streamGuid) != null) {
            enforceCap();
        }
    }

    /** Finished recordings of the app, newest first. */
    List<Entry> list(String app) {
        Path dir = streams(app);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Set<Path> open = Set.copyOf(writing.values());
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(PLAYLIST) && !open.contains(p)).forEach(p -> {
                String file = p.getFileName().toString();
                String name = file.substring(0, file.length() - PLAYLIST.length());
                long[] size = sizeOf(dir, name);
                out.add(new Entry(app, file, modified(p), size[0]));
            });
        } catch (IOException e) {
            return List.of();
        }
        out.sort(Comparator.comparingLong(Entry::lastModified).reversed());
        return out;
    }

    /** A finished recording's file named {@code file} ({@code x.m3u8} or {@code x_3.ts}) in the app's storage. */
    Optional<Path> file(String app, String file) {
        if (!SAFE_FILE.matcher(file).matches()) {
            return Optional.empty();
        }
        Path dir = streams(app);
        Path p = dir.resolve(file);
        String base = file.endsWith(PLAYLIST) ? file.substring(0, file.length() - PLAYLIST.length())
                : file.replaceFirst("_\\d+\\.ts$", "");
        if (writing.containsValue(dir.resolve(base + PLAYLIST))) {
            return Optional.empty();
        }
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private static final Pattern SAFE_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*\\.(m3u8|ts)");

    Path root() {
        return root;
    }

    @Override
    public synchronized void close() {
        closed = true;
        writing.clear();
        deleteTree(root);
    }

    /** Whole recordings, oldest first, until bytes and files are within the cap. */
    private void enforceCap() {
        List<Recorded> all = recorded();
        long bytes = all.stream().mapToLong(Recorded::bytes).sum();
        long files = all.stream().mapToLong(Recorded::files).sum();
        Set<Path> open = Set.copyOf(writing.values());
        for (Recorded r : all) {
            if (bytes <= maxBytes && files <= maxFiles) {
                return;
            }
            if (open.contains(r.playlist())) {
                continue;
            }
            String file = r.playlist().getFileName().toString();
            try {
                deleteRecording(r.playlist().getParent(), file.substring(0, file.length() - PLAYLIST.length()));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "node {0}: cannot evict recording {1}: {2}", nodeId, r.playlist(), e.getMessage());
                continue;
            }
            bytes -= r.bytes();
            files -= r.files();
            LOG.log(Level.INFO, "node {0}: recording storage over its cap ({1} bytes, {2} files): deleted the oldest, "
                    + "{3} ({4} bytes, {5} files)", nodeId, maxBytes, maxFiles, r.playlist(), r.bytes(), r.files());
        }
    }

    private record Recorded(Path playlist, long modified, long bytes, long files) {
    }

    /** Every recording of every app, oldest first. */
    private List<Recorded> recorded() {
        List<Recorded> out = new ArrayList<>();
        try (Stream<Path> apps = Files.list(root)) {
            for (Path app : apps.toList()) {
                Path dir = app.resolve("streams");
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : files.filter(f -> f.getFileName().toString().endsWith(PLAYLIST)).toList()) {
                        String file = p.getFileName().toString();
                        long[] size = sizeOf(dir, file.substring(0, file.length() - PLAYLIST.length()));
                        out.add(new Recorded(p, modified(p), size[0], size[1]));
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.comparingLong(Recorded::modified));
        return out;
    }

    /** Bytes and files of a recording: its playlist and segments. */
    private static long[] sizeOf(Path dir, String name) {
        long[] total = new long[2];
        for (Path p : filesOf(dir, name)) {
            try {
                total[0] += Files.size(p);
                total[1]++;
            } catch (IOException e) {
                // deleted meanwhile
            }
        }
        return total;
    }

    private static List<Path> filesOf(Path dir, String name) {
        Pattern mine = Pattern.compile(Pattern.quote(name) + "(\\.m3u8|_\\d+\\.ts)(\\.tmp)?");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> mine.matcher(p.getFileName().toString()).matches()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteRecording(Path dir, String name) throws IOException {
        for (Path p : filesOf(dir, name)) {
            Files.deleteIfExists(p);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private Path streams(String app) {
        return root.resolve(app).resolve("streams");
    }

    private static String app(String streamGuid) {
        return streamGuid.substring(0, streamGuid.indexOf('/'));
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // gone already
        }
    }

    /** The listing entry as the testbed's playbackVOD pages read it. */
    static Map<String, Object> json(Entry e, String baseUrl) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("url", baseUrl + "/" + e.app() + "/streams/" + e.name());
        m.put("lastModified", e.lastModified());
        m.put("length", e.length());
        return m;
    }
}
