package org.smproxy.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's live HLS: one {@link HlsPackager} per started stream, the lookup from request paths to its files, and
 * per-path request counters (a proxy test asserts how often each segment reached the node).
 *
 * <p>Red5 serves HLS at the publish context path: {@code /<app>[/<room>]/<stream>.m3u8}, segments beside it.
 * Segment numbers start at the wall-clock epoch second, so a restarted stream (or another node's copy) never
 * reuses a segment name for different bytes, which a caching proxy would otherwise serve stale.
 */
final class HlsStreams {

    /** What the packager names and the servlet serves; the stream part is Red5-ish and never needs escaping. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern PLAYLIST = Pattern.compile("^/(.+)/([^/]+)\\.m3u8$");
    private static final Pattern SEGMENT = Pattern.compile("^/(.+)/(([^/]+)_\\d+\\.ts)$");

    /** A file an HLS request names. */
    record Target(String streamGuid, boolean playlist, Path file) {
    }

    private final String nodeId;
    private final Set<String> apps;
    private final ConcurrentMap<String, HlsPackager> running = new ConcurrentHashMap<>();
    /** HLS of streams published to this node, made from their decoded frames. */
    private final ConcurrentMap<String, PublishedHls> published = new ConcurrentHashMap<>();
    /** An edge's origin: published streams are served from its renditions, as the edge carries them. */
    private volatile HlsStreams upstream;
    /** Per stream, the lowest start number a restart may use: past every segment number already handed out. */
    private final ConcurrentMap<String, Long> nextStart = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder totalRequests = new LongAdder();
    private boolean closed;

    HlsStreams(String nodeId, Set<String> apps) {
        this.nodeId = nodeId;
        this.apps = Set.copyOf(apps);
    }

    /** Starts the stream's packager unless it runs; blocks until its first playlist exists. */
    synchronized void start(String streamGuid) {
        if (closed) {
            throw new IllegalStateException("node " + nodeId + " is stopped");
        }
        validate(streamGuid);
        if (running.containsKey(streamGuid)) {
            return;
        }
        long start = Math.max(Instant.now().getEpochSecond(), nextStart.getOrDefault(streamGuid, 0L));
        HlsPackager packager = HlsPackager.start(nodeId + "-" + streamGuid, streamName(streamGuid), start);
        running.put(streamGuid, packager);
    }

    /** At most this many published streams get HLS on one node at once (each is an ffmpeg encoding). */
    static final int MAX_PUBLISHED = 4;

    /**
     * The HLS of a stream published here, fed by the caller with its frames; empty (with a log line) when the node
     * already makes {@link #MAX_PUBLISHED} of them or the name is not one it serves.
     */
    synchronized Optional<PublishedHls> startPublished(String streamGuid) {
        if (closed || running.containsKey(streamGuid) || published.containsKey(streamGuid)) {
            return Optional.empty();
        }
        try {
            validate(streamGuid);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (published.size() >= MAX_PUBLISHED) {
            System.getLogger(HlsStreams.class.getName()).log(System.Logger.Level.WARNING,
                    "node {0}: no HLS for published {1}: already {2} published streams have it (MAX_PUBLISHED)",
                    nodeId, streamGuid, MAX_PUBLISHED);
            return Optional.empty();
        }
        long start = Math.max(Instant.now().getEpochSecond(), nextStart.getOrDefault(streamGuid, 0L));
        PublishedHls hls = new PublishedHls(nodeId + "-" + streamGuid, streamName(streamGuid), start);
        published.put(streamGuid, hls);
        return Optional.of(hls);
    }

    /** The publish ended: its HLS stops and its playlist is gone (404). */
    synchronized void stopPublished(String streamGuid) {
        PublishedHls hls = published.remove(streamGuid);
        if (hls != null) {
            hls.packager().ifPresent(p -> nextStart.put(streamGuid, p.startNumber() + p.elapsedSeconds() / 2 + 2));
            hls.close();
        }
    }

    void upstream(HlsStreams origin) {
        upstream = origin;
    }

    /** Whether a published stream's HLS has its first playlist here. */
    boolean servesPublished(String streamGuid) {
        PublishedHls hls = published.get(streamGuid);
        return hls != null && hls.packager().isPresent();
    }

    synchronized boolean stop(String streamGuid) {
        HlsPackager packager = running.remove(streamGuid);
        if (packager == null) {
            return false;
        }
        // At most one segment per second since the start, plus the one cut at shutdown.
        nextStart.put(streamGuid, packager.startNumber() + packager.elapsedSeconds() + 2);
        packager.close();
        return true;
    }

    synchronized void closeAll() {
        closed = true;
        Set.copyOf(running.keySet()).forEach(this::stop);
        Set.copyOf(published.keySet()).forEach(this::stopPublished);
    }

    Set<String> streams() {
        return new TreeSet<>(running.keySet());
    }

    boolean serves(String streamGuid) {
        return running.containsKey(streamGuid);
    }

    Optional<HlsPackager> packager(String streamGuid) {
        return Optional.ofNullable(running.get(streamGuid));
    }

    /** True when the path looks like HLS ({@code .m3u8} or {@code .ts}) and should be counted and answered here. */
    static boolean isHlsPath(String path) {
        return path != null && (path.endsWith(".m3u8") || path.endsWith(".ts"));
    }

    /** The file a request path names, if its stream runs here and the file exists now. */
    Optional<Target> resolve(String path) {
        Matcher playlist = PLAYLIST.matcher(path);
        if (playlist.matches()) {
            return target(playlist.group(1) + "/" + playlist.group(2), true, playlist.group(2) + ".m3u8");
        }
        Matcher segment = SEGMENT.matcher(path);
        if (segment.matches()) {
            return target(segment.group(1) + "/" + segment.group(3), false, segment.group(2));
        }
        return Optional.empty();
    }

    private Optional<Target> target(String streamGuid, boolean playlist, String fileName) {
        HlsPackager packager = running.get(streamGuid);
        if (packager == null) {
            PublishedHls hls = published.get(streamGuid);
            packager = hls == null ? null : hls.packager().orElse(null);
        }
        if (packager == null) {
            HlsStreams origin = upstream;
            return origin == null ? Optional.empty() : origin.publishedTarget(streamGuid, playlist, fileName);
        }
        return file(packager, streamGuid, playlist, fileName);
    }

    private Optional<Target> publishedTarget(String streamGuid, boolean playlist, String fileName) {
        PublishedHls hls = published.get(streamGuid);
        return hls == null ? Optional.empty()
                : hls.packager().flatMap(p -> file(p, streamGuid, playlist, fileName));
    }

    private static Optional<Target> file(HlsPackager packager, String streamGuid, boolean playlist, String fileName) {
        Path file = packager.dir().resolve(fileName);
        return Files.isRegularFile(file) ? Optional.of(new Target(streamGuid, playlist, file)) : Optional.empty();
    }

    void count(String path) {
        requests.computeIfAbsent(path, p -> new LongAdder()).increment();
        totalRequests.increment();
    }

    long requests(String path) {
        LongAdder n = requests.get(path.startsWith("/") ? path : "/" + path);
        return n == null ? 0 : n.sum();
    }

    long totalRequests() {
        return totalRequests.sum();
    }

    Map<String, Long> requestCounts() {
        Map<String, Long> out = new TreeMap<>();
        requests.forEach((path, n) -> out.put(path, n.sum()));
        return out;
    }

    void resetRequests() {
        requests.clear();
        totalRequests.reset();
    }

    private void validate(String streamGuid) {
        String[] parts = streamGuid.split("/", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("stream guid needs an app and a stream, e.g. live/stream1: " + streamGuid);
        }
        for (String part : parts) {
            if (!NAME.matcher(part).matches()) {
                throw new IllegalArgumentException("unsupported name in stream guid " + streamGuid + ": '" + part + "'");
            }
        }
        if (!apps.contains(parts[0])) {
            throw new IllegalArgumentException("node " + nodeId + " has no app " + parts[0] + " (apps " + apps + ")");
        }
    }

    private static String streamName(String streamGuid) {
        return streamGuid.substring(streamGuid.lastIndexOf('/') + 1);
    }
}
