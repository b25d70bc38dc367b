package smbench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The soak: a mixed load held for a long time against one proxy, sampled once a minute, to show that nothing
 * grows that should stay flat. Load, all open loop (a fixed schedule, so a slow proxy shows as latency and
 * errors, not as a lighter load): WHEP cycles (POST, PATCH and DELETE on the Location the proxy answered, as a
 * player does), WebSocket sessions opened, relaying a message a second through the proxy to an echo node and
 * closed, HLS viewers of a live stream, node heartbeats; and every {@code --flap-every} seconds one node fails
 * (its server stopped, its heartbeats with it) for {@code --flap-down} seconds and returns.
 *
 * <p>Each minute: heap after a full collection, direct memory (the JDK's pool and Netty's own), RSS, threads,
 * file descriptors, the proxy's open WebSocket sessions and requests in flight, and what each load got. Answers
 * other than the expected ones are split by whether a node was down (or had just come back): failures then are the
 * test's point; outside those windows each is unexpected.
 */
final class Soak {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** After a node returns: its first heartbeat lands, the sessions it lost are forgotten. */
    private static final long FAULT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(20);

    /** What one kind of request got in a minute, and over the run. */
    static final class Tally {
        final String name;
        final LongAdder ok = new LongAdder();
        final LongAdder c4 = new LongAdder();
        final LongAdder c5 = new LongAdder();
        final LongAdder err = new LongAdder();
        final LongAdder faultBad = new LongAdder(); // any non-2xx or error while a node was failing
        final Map<String, LongAdder> unexpected = new java.util.concurrent.ConcurrentHashMap<>();
        long[] last = new long[5];

        Tally(String name) {
            this.name = name;
        }

        long[] now() {
            return new long[] {ok.sum(), c4.sum(), c5.sum(), err.sum(), faultBad.sum()};
        }

        /** ok, 4xx, 5xx, errors, failures in a fault window: since the last call. */
        long[] minute() {
            long[] n = now();
            long[] d = new long[n.length];
            for (int i = 0; i < n.length; i++) {
                d[i] = n[i] - last[i];
            }
            last = n;
            return d;
        }
    }

    final URI base;
    final HttpClient http;
    final String nodeSecret;
    final byte[] offer;
    final byte[] frag;
    final String wsHost;
    final int wsLifeSeconds;
    final URI hlsPlaylist;
    final double segSeconds;
    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "soak-timer");
        t.setDaemon(true);
        return t;
    });
    final Tally whepPost = new Tally("WHEP POST");
    final Tally whepPatch = new Tally("WHEP PATCH");
    final Tally whepDelete = new Tally("WHEP DELETE");
    final Tally hls = new Tally("HLS GET");
    final Tally heartbeat = new Tally("heartbeat");
    final Tally wsOpen = new Tally("WebSocket open");
    final List<Tally> tallies = List.of(whepPost, whepPatch, whepDelete, hls, heartbeat, wsOpen);
    final LongAdder wsCleanClose = new LongAdder();
    final LongAdder wsUnexpectedClose = new LongAdder();
    final LongAdder wsSent = new LongAdder();
    final LongAdder wsEchoed = new LongAdder();
    final LongAdder hlsBytes = new LongAdder();
    final LongAdder skipped = new LongAdder(); // cycles not started because too many were still running
    final AtomicInteger whepRunning = new AtomicInteger();
    final AtomicInteger wsRunning = new AtomicInteger();
    final AtomicInteger wsSeq = new AtomicInteger();
    final Recorder postLatency = new Recorder(60_000_000L, 3);
    final Histogram postLatencyAll = new Histogram(60_000_000L, 3);
    volatile boolean stopping;
    volatile boolean nodeDown;
    volatile long faultUntil;
    int flaps;
    long failoversTotal;

    Soak(Args a) throws Exception {
        base = URI.create(a.need("url"));
        nodeSecret = a.str("secret", "bench-node-secret-0123456789");
        Path bodies = Path.of(a.need("bodies"));
        offer = Files.readAllBytes(bodies.resolve("offer.sdp"));
        frag = Files.readAllBytes(bodies.resolve("trickle.sdpfrag"));
        wsHost = a.str("ws-host", "127.0.0.1:8081");
        wsLifeSeconds = a.integer("ws-life", 20);
        hlsPlaylist = base.resolve("/as/v1/proxy/hls/live/" + a.str("hls-stream", "soakhls") + ".m3u8?nodeGroup=ng1");
        segSeconds = a.dbl("seg-seconds", 2);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .sslContext(trusting(Path.of(a.need("ca")))).executor(Executors.newFixedThreadPool(4, r -> {
                    Thread t = new Thread(r, "soak-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    /** Trusts the run's own self-signed certificate, and nothing else. */
    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("soak", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    boolean inFault() {
        return nodeDown || System.nanoTime() < faultUntil;
    }

    /** Counts an answer (or its absence) and hands the response on, null when there was none. */
    <T> HttpResponse<T> count(Tally t, HttpResponse<T> r, Throwable e, String what) {
        boolean fault = inFault();
        if (r != null && r.statusCode() / 100 == 2) {
            t.ok.increment();
            return r;
        }
        if (r == null) {
            t.err.increment();
        } else if (r.statusCode() >= 500) {
            t.c5.increment();
        } else {
            t.c4.increment();
        }
        if (fault) {
            t.faultBad.increment();
        } else {
            String key = what + " " + (r == null ? rootCause(e) : r.statusCode() + " " + brief(r));
            t.unexpected.computeIfAbsent(key, k -> new LongAdder()).increment();
        }
        return r;
    }

    private static String rootCause(Throwable e) {
        Throwable c = e;
        while (c != null && c.getCause() != null) {
            c = c.getCause();
        }
        return c == null ? "no answer" : c.getClass().getSimpleName();
    }

    private static String brief(HttpResponse<?> r) {
        Object body = r.body();
        if (body instanceof String s) {
            return s.length() > 120 ? s.substring(0, 120) : s;
        }
        if (body instanceof byte[] b) {
            String s = new String(b, 0, Math.min(120, b.length), StandardCharsets.UTF_8);
            return s.replace('\n', ' ');
        }
        return "";
    }

    // ---- WHEP --------------------------------------------------------------------------------------------------

    void whepCycle() {
        if (stopping) {
            return;
        }
        if (whepRunning.incrementAndGet() > 500) {
            whepRunning.decrementAndGet();
            skipped.increment();
            return;
        }
        URI ep = base.resolve("/as/v1/proxy/whep/live/soak" + ThreadLocalRandom.current().nextInt(10));
        long t0 = System.nanoTime();
        HttpRequest post = HttpRequest.newBuilder(ep).timeout(TIMEOUT).header("Content-Type", "application/sdp")
                .POST(HttpRequest.BodyPublishers.ofByteArray(offer)).build();
        http.sendAsync(post, HttpResponse.BodyHandlers.ofString())
                .handle((r, e) -> {
                    postLatency.recordValue(Math.min(60_000_000L, (System.nanoTime() - t0) / 1000));
                    return count(whepPost, r, e, "POST");
                })
                .thenCompose(r -> {
                    if (r == null || r.statusCode() != 201) {
                        return done();
                    }
                    String loc = r.headers().firstValue("Location").orElse(null);
                    if (loc == null) {
                        whepPost.unexpected.computeIfAbsent("POST 201 without Location", k -> new LongAdder()).increment();
                        return done();
                    }
                    URI res = ep.resolve(loc);
                    HttpRequest patch = HttpRequest.newBuilder(res).timeout(TIMEOUT)
                            .header("Content-Type", "application/trickle-ice-sdpfrag").header("If-Match", "*")
                            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(frag)).build();
                    return http.sendAsync(patch, HttpResponse.BodyHandlers.ofString())
                            .handle((p, e) -> count(whepPatch, p, e, "PATCH"))
                            .thenCompose(p -> http.sendAsync(HttpRequest.newBuilder(res).timeout(TIMEOUT).DELETE()
                                    .build(), HttpResponse.BodyHandlers.ofString()))
                            .handle((d, e) -> count(whepDelete, d, e, "DELETE"))
                            .thenCompose(d -> done());
                })
                .whenComplete((x, e) -> whepRunning.decrementAndGet());
    }

    private static CompletionStage<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    // ---- WebSocket ----------------------------------------------------------------------------------------------

    void wsSession() {
        if (stopping) {
            return;
        }
        if (wsRunning.incrementAndGet() > 2000) {
            wsRunning.decrementAndGet();
            skipped.increment();
            return;
        }
        int id = wsSeq.incrementAndGet();
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        URI u = URI.create(scheme + "://" + base.getAuthority() + "/streammanager/?id=soak" + id + "&host=" + wsHost
                + "&app=live");
        Peer peer = new Peer(id);
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(u, peer).whenComplete((ws, e) -> {
            if (e != null) {
                count(wsOpen, null, e, "upgrade");
                wsRunning.decrementAndGet();
                return;
            }
            wsOpen.ok.increment();
            peer.ws = ws;
            peer.tick();
        });
    }

    final class Peer implements WebSocket.Listener {
        final int id;
        volatile WebSocket ws;
        int seq;
        volatile boolean closing;
        volatile boolean finished;

        Peer(int id) {
            this.id = id;
        }

        /** A message a second for the session's life, then a close as a client ends one. */
        void tick() {
            if (finished) {
                return;
            }
            if (seq >= wsLifeSeconds || stopping) {
                // half a second for the last echo before saying goodbye
                timer.schedule(() -> {
                    closing = true;
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
                    // a peer that never answers the close is cut, and counted
                    timer.schedule(() -> finish(false, "no close answer"), 10, TimeUnit.SECONDS);
                }, 500, TimeUnit.MILLISECONDS);
                return;
            }
            seq++;
            wsSent.increment();
            ws.sendText("{\"soak\":" + id + ",\"seq\":" + seq + ",\"pad\":\"" + "x".repeat(100) + "\"}", true);
            timer.schedule(this::tick, 1, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (last) {
                wsEchoed.increment();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            finish(closing && statusCode == WebSocket.NORMAL_CLOSURE, statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            finish(false, rootCause(error));
        }

        synchronized void finish(boolean clean, String why) {
            if (finished) {
                return;
            }
            finished = true;
            wsRunning.decrementAndGet();
            if (clean) {
                wsCleanClose.increment();
            } else {
                wsUnexpectedClose.increment();
                if (!inFault()) {
                    wsOpen.unexpected.computeIfAbsent("session ended: " + why, k -> new LongAdder()).increment();
                }
                if (ws != null) {
                    ws.abort();
                }
            }
        }
    }

    // ---- HLS ---------------------------------------------------------------------------------------------------

    final class Viewer {
        long lastSeq = -1;
        volatile boolean busy;

        void poll() {
            if (stopping || busy) {
                return;
            }
            busy = true;
            http.sendAsync(HttpRequest.newBuilder(hlsPlaylist).timeout(TIMEOUT).GET().build(),
                            HttpResponse.BodyHandlers.ofString())
                    .handle((r, e) -> count(hls, r, e, "playlist"))
                    .thenCompose(r -> r == null || r.statusCode() != 200 ? done() : fetchNew(r.body()))
                    .whenComplete((x, e) -> busy = false);
        }

        private CompletionStage<Void> fetchNew(String playlist) {
            long seq0 = 0;
            List<String> uris = new ArrayList<>();
            for (String line : playlist.split("\n")) {
                line = line.trim();
                if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                    seq0 = Long.parseLong(line.substring(22).trim());
                } else if (!line.isEmpty() && !line.startsWith("#")) {
                    uris.add(line);
                }
            }
            CompletionStage<Void> chain = done();
            for (int i = 0; i < uris.size(); i++) {
                long seq = seq0 + i;
                // a player joining starts at the live edge; afterwards it takes each new segment once
                if (seq <= lastSeq || (lastSeq < 0 && i < uris.size() - 1)) {
                    continue;
                }
                lastSeq = seq;
                URI seg = hlsPlaylist.resolve(uris.get(i));
                chain = chain.thenCompose(x -> http.sendAsync(HttpRequest.newBuilder(seg).timeout(TIMEOUT).GET().build(),
                                HttpResponse.BodyHandlers.ofByteArray())
                        .handle((r, e) -> {
                            if (count(hls, r, e, "segment") != null && r.statusCode() == 200) {
                                hlsBytes.add(r.body().length);
                            }
                            return null;
                        }));
            }
            return chain;
        }
    }

    // ---- heartbeats and the failing node ----------------------------------------------------------------------------

    void heartbeat(String id, int httpPort, int load) {
        if (stopping) {
            return;
        }
        StringBuilder streams = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            streams.append("{\"streamGuid\":\"live/soak").append(i).append("\",\"publishing\":true,\"subscribers\":0},");
        }
        streams.append("{\"streamGuid\":\"live/soakhls\",\"publishing\":true,\"subscribers\":0}");
        String body = "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + httpPort + ",\"wsPort\":8082,\"state\":\"INSERVICE\","
                + "\"metrics\":{\"connections.client\":" + load + "},\"streams\":[" + streams + "]}";
        http.sendAsync(HttpRequest.newBuilder(base.resolve("/as/v1/nodes/heartbeat")).timeout(TIMEOUT)
                        .header("Authorization", "Bearer " + nodeSecret).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .handle((r, e) -> count(heartbeat, r, e, "heartbeat " + id));
    }

    static void run(String what, String cmd) {
        if (cmd == null || cmd.isEmpty()) {
            return;
        }
        try {
            Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                System.out.println("  (" + what + " command did not succeed: " + cmd + ")");
            }
        } catch (Exception e) {
            System.out.println("  (" + what + " command failed: " + e + ")");
        }
    }

    // ---- the samples -----------------------------------------------------------------------------------------------

    /** The proxy's own gauges, by Prometheus name (tags ignored, values summed). */
    Map<String, Double> gauges(String... names) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, -1.0);
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/as/v1/metrics")).timeout(TIMEOUT)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                for (String n : names) {
                    if (line.startsWith(n + " ") || line.startsWith(n + "{")) {
                        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        out.put(n, Math.max(0, out.get(n)) + v);
                    }
                }
            }
        } catch (Exception e) {
            System.out.println("  (metrics scrape failed: " + e + ")");
        }
        return out;
    }

    static long proc(long pid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static long fds(long pid) throws Exception {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }

    static final String[] COLUMNS = {"min", "heap_after_gc_MB", "jdk_direct_MB", "netty_direct_MB", "rss_MB", "threads",
        "fds", "ws_sessions", "in_flight", "hls_cache_MB", "whep_cycles", "whep_p99_ms", "ws_opened", "ws_echoed",
        "hls_requests", "hls_MB", "heartbeats", "failovers", "bad_in_fault", "unexpected"};

    static void main(Args a) throws Exception {
        Soak s = new Soak(a);
        double minutes = a.dbl("minutes", 30);
        long pid = Long.parseLong(a.need("pid"));
        int warmup = a.integer("warmup-minutes", (int) Math.max(2, Math.round(minutes / 10)));
        double whepRate = a.dbl("whep-rate", 20);
        double wsRate = a.dbl("ws-rate", 5);
        int viewers = a.integer("hls-viewers", 50);
        int flapEvery = a.integer("flap-every", 300);
        int flapDown = a.integer("flap-down", 60);
        String downCmd = a.str("node-down", "");
        String upCmd = a.str("node-up", "");
        Path csv = Path.of(a.need("csv"));
        Path md = Path.of(a.need("md"));
        Path dir = Path.of(a.need("hls-dir"));

        HlsLoad.Origin origin = new HlsLoad.Origin(dir.resolve("live"), a.str("hls-stream", "soakhls"), s.segSeconds,
                a.integer("seg-bytes", 100_000), 5);
        origin.begin();
        Thread writer = new Thread(origin::run, "hls-origin");
        writer.setDaemon(true);
        writer.start();

        List<long[]> rows = new ArrayList<>();
        StringBuilder csvText = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        try (MemProbe mem = new MemProbe("jvm:" + pid)) {
            long fdsIdleBefore = fds(pid);
            long threadsIdleBefore = proc(pid, "Threads");
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            // the nodes report every five seconds; the failing one is the least loaded, so selection prefers it
            s.heartbeat("stub", 8081, 50);
            s.heartbeat("stub2", 8083, 0);
            s.timer.scheduleAtFixedRate(() -> s.heartbeat("stub", 8081, 50), 5, 5, TimeUnit.SECONDS);
            s.timer.scheduleAtFixedRate(() -> {
                if (!s.nodeDown) {
                    s.heartbeat("stub2", 8083, 0);
                }
            }, 5, 5, TimeUnit.SECONDS);
            Thread.sleep(1000);
            s.timer.scheduleAtFixedRate(s::whepCycle, 0, (long) (1e9 / whepRate), TimeUnit.NANOSECONDS);
            s.timer.scheduleAtFixedRate(s::wsSession, 0, (long) (1e9 / wsRate), TimeUnit.NANOSECONDS);
            for (int i = 0; i < viewers; i++) {
                Viewer v = s.new Viewer();
                s.timer.scheduleAtFixedRate(v::poll, (long) (ThreadLocalRandom.current().nextDouble(s.segSeconds) * 1000),
                        (long) (s.segSeconds * 1000), TimeUnit.MILLISECONDS);
            }
            if (flapEvery > 0 && !downCmd.isEmpty()) {
                s.timer.scheduleAtFixedRate(() -> {
                    s.nodeDown = true;
                    s.flaps++;
                    run("node-down", downCmd);
                    s.timer.schedule(() -> {
                        run("node-up", upCmd);
                        s.faultUntil = System.nanoTime() + FAULT_GRACE_NANOS;
                        s.nodeDown = false;
                        s.heartbeat("stub2", 8083, 0);
                    }, flapDown, TimeUnit.SECONDS);
                }, flapEvery, flapEvery, TimeUnit.SECONDS);
            }
            System.out.printf(Locale.ROOT, "soak: %.0f min; WHEP %.0f/s, WebSocket %.0f sessions/s (%d s each), %d HLS"
                    + " viewers, a node down %d s of every %d s; one line a minute%n", minutes, whepRate, wsRate,
                    s.wsLifeSeconds, viewers, flapDown, flapEvery);
            System.out.println(String.join(" ", COLUMNS));
            Delta unexpectedDelta = new Delta();
            Delta failoverDelta = new Delta();
            Delta echoedDelta = new Delta();
            Delta bytesDelta = new Delta();
            for (int m = 1; ; m++) {
                long due = start + (long) (m * 60e9);
                if (due > end) {
                    break;
                }
                WhepLoad.sleepUntil(due);
                long[] heap = mem.sample();
                Map<String, Double> g = s.gauges("smproxy_ws_sessions", "smproxy_requests_in_flight",
                        "smproxy_netty_direct_memory_bytes", "smproxy_hls_cache_bytes", "smproxy_relay_failovers_total");
                long failovers = g.get("smproxy_relay_failovers_total").longValue();
                long[] post = s.whepPost.minute();
                long[] patch = s.whepPatch.minute();
                long[] del = s.whepDelete.minute();
                long[] wsO = s.wsOpen.minute();
                long[] h = s.hls.minute();
                long[] hb = s.heartbeat.minute();
                Histogram lat = s.postLatency.getIntervalHistogram();
                s.postLatencyAll.add(lat);
                long unexpected = s.unexpectedTotal();
                long[] row = {m, heap[0], heap[1], g.get("smproxy_netty_direct_memory_bytes").longValue(), heap[2],
                    proc(pid, "Threads"), fds(pid), g.get("smproxy_ws_sessions").longValue(),
                    // the scrape that reads the gauge is itself in flight
                    g.get("smproxy_requests_in_flight").longValue() - 1, g.get("smproxy_hls_cache_bytes").longValue(),
                    del[0], lat.getValueAtPercentile(99) / 1000, wsO[0], echoedDelta.since(s.wsEchoed.sum()), h[0],
                    bytesDelta.since(s.hlsBytes.sum()), hb[0], failoverDelta.since(failovers),
                    post[4] + patch[4] + del[4] + wsO[4] + h[4] + hb[4], unexpectedDelta.since(unexpected)};
                s.failoversTotal = failovers;
                rows.add(row);
                String line = String.join(" ", cells(row));
                System.out.println(line);
                System.out.flush();
                csvText.append(line.toString().replace(' ', ',')).append('\n');
                Files.writeString(csv, csvText);
            }
            // the load stops; what the proxy still holds once the last sessions have closed is what leaked
            s.stopping = true;
            origin.stop = true;
            long quietBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.wsLifeSeconds + 30);
            Map<String, Double> g;
            do {
                Thread.sleep(1000);
                g = s.gauges("smproxy_ws_sessions", "smproxy_requests_in_flight");
            } while ((g.get("smproxy_ws_sessions") > 0 || g.get("smproxy_requests_in_flight") > 1)
                    && System.nanoTime() < quietBy);
            long leakedWs = g.get("smproxy_ws_sessions").longValue();
            long leakedInFlight = g.get("smproxy_requests_in_flight").longValue() - 1;
            long fdsIdleAfter = fds(pid);
            long threadsIdleAfter = proc(pid, "Threads");
            String report = s.report(rows, warmup, minutes, whepRate, wsRate, viewers, flapEvery, flapDown, leakedWs,
                    leakedInFlight, fdsIdleBefore, fdsIdleAfter, threadsIdleBefore, threadsIdleAfter, a.str("meta", ""));
            Files.writeString(md, report);
            System.out.println();
            System.out.println(report);
        } finally {
            s.stopping = true;
            origin.stop = true;
            s.timer.shutdownNow();
        }
    }

    /** A running total's growth since the last look: one a minute per figure. */
    static final class Delta {
        private long last;

        long since(long now) {
            long d = now - last;
            last = now;
            return d;
        }
    }

    long unexpectedTotal() {
        long n = 0;
        for (Tally t : tallies) {
            for (LongAdder v : t.unexpected.values()) {
                n += v.sum();
            }
        }
        return n;
    }

    /** Columns held in bytes and shown in MB. */
    static boolean bytes(int col) {
        return COLUMNS[col].endsWith("_MB");
    }

    static double shown(int col, long v) {
        return bytes(col) && v >= 0 ? v / 1048576.0 : v;
    }

    static String[] cells(long[] row) {
        String[] out = new String[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = bytes(i) ? String.format(Locale.ROOT, "%.1f", shown(i, row[i])) : String.valueOf(row[i]);
        }
        return out;
    }

    String report(List<long[]> rows, int warmup, double minutes, double whepRate, double wsRate, int viewers,
                  int flapEvery, int flapDown, long leakedWs, long leakedInFlight, long fdsBefore, long fdsAfter,
                  long threadsBefore, long threadsAfter, String meta) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Run of %s, %.0f minutes%s: WHEP %.0f cycles/s (POST, PATCH, DELETE), "
                + "WebSocket %.0f sessions/s of %d s with a message a second each way, %d HLS viewers, heartbeats every"
                + " 5 s from two nodes, one of them stopped for %d s every %d s (%d times).%n%n",
                Instant.now().toString().substring(0, 16) + "Z", minutes, meta.isEmpty() ? "" : " (" + meta + ")",
                whepRate, wsRate, wsLifeSeconds, viewers, flapDown, flapEvery, flaps));
        // flatness: the first three samples after warm-up against the last three
        int[] watched = {1, 2, 3, 4, 5, 6, 7};
        b.append("| figure | after warm-up (min ").append(warmup + 1).append("-").append(warmup + 3)
                .append(") | at the end (last 3 min) | change | min..max after warm-up | flat within 5% |\n");
        b.append("|---|---|---|---|---|---|\n");
        List<long[]> steady = rows.size() > warmup + 3 ? rows.subList(warmup, rows.size()) : rows;
        boolean allFlat = true;
        for (int c : watched) {
            double first = mean(steady.subList(0, Math.min(3, steady.size())), c);
            double last = mean(steady.subList(Math.max(0, steady.size() - 3), steady.size()), c);
            double lo = Double.MAX_VALUE;
            double hi = -Double.MAX_VALUE;
            for (long[] r : steady) {
                lo = Math.min(lo, shown(c, r[c]));
                hi = Math.max(hi, shown(c, r[c]));
            }
            double change = first == 0 ? (last == 0 ? 0 : 100) : (last - first) / first * 100;
            boolean flat = Math.abs(change) <= 5;
            allFlat &= flat;
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %+.1f%% | %.1f..%.1f | %s |%n", COLUMNS[c], first,
                    last, change, lo, hi, flat ? "yes" : "**no**"));
        }
        b.append('\n');
        long unexpected = unexpectedTotal();
        b.append(String.format(Locale.ROOT, "- Totals: %d WHEP cycles (%d POSTs answered 2xx), %d WebSocket sessions "
                        + "opened (%d closed cleanly, %d ended otherwise), %d messages sent, %d echoed back through the "
                        + "proxy, %d HLS requests (%.0f MB), %d heartbeats, %d loads not started (too many running); the proxy sent %d "
                        + "offers the failing node refused to the other one.%n",
                whepDelete.ok.sum() + whepDelete.c4.sum() + whepDelete.c5.sum() + whepDelete.err.sum(), whepPost.ok.sum(),
                wsOpen.ok.sum(), wsCleanClose.sum(), wsUnexpectedClose.sum(), wsSent.sum(), wsEchoed.sum(),
                hls.ok.sum() + hls.c4.sum() + hls.c5.sum() + hls.err.sum(), hlsBytes.sum() / 1e6, heartbeat.ok.sum(),
                skipped.sum(), failoversTotal));
        b.append(String.format(Locale.ROOT, "- WHEP POST latency over the run: p50 %.1f ms, p99 %.1f ms, max %.1f ms.%n",
                postLatencyAll.getValueAtPercentile(50) / 1000.0, postLatencyAll.getValueAtPercentile(99) / 1000.0,
                postLatencyAll.getMaxValue() / 1000.0));
        long faultBad = 0;
        StringBuilder faults = new StringBuilder();
        for (Tally t : tallies) {
            faultBad += t.faultBad.sum();
            if (t.faultBad.sum() > 0) {
                faults.append(faults.length() == 0 ? "" : ", ").append(t.name).append(' ').append(t.faultBad.sum());
            }
        }
        b.append(String.format(Locale.ROOT, "- While a node was down or had just returned: %d answers other than 2xx "
                + "(%s); these are the failures the test provokes (a session's PATCH or DELETE on the stopped node).%n",
                faultBad, faults.length() == 0 ? "none" : faults));
        b.append(String.format(Locale.ROOT, "- **Unexpected** (outside those windows): %d.%n", unexpected));
        for (Tally t : tallies) {
            t.unexpected.forEach((k, v) -> b.append("  - ").append(t.name).append(": ").append(k).append(" × ")
                    .append(v.sum()).append('\n'));
        }
        b.append(String.format(Locale.ROOT, "- Left once the load stopped: %d WebSocket session(s), %d request(s) in "
                        + "flight; file descriptors %d before the load, %d after; threads %d before, %d after.%n",
                leakedWs, leakedInFlight, fdsBefore, fdsAfter, threadsBefore, threadsAfter));
        b.append(String.format(Locale.ROOT, "- Verdict: %s; %s; %s.%n%n", allFlat ? "every figure flat within 5%"
                        : "not every figure flat within 5% (see the table)",
                leakedWs == 0 && leakedInFlight == 0 ? "no session leaked" : "**sessions leaked**",
                unexpected == 0 ? "no unexpected error" : "**unexpected errors**"));
        b.append("<details><summary>The minute-by-minute samples</summary>\n\n| ");
        b.append(String.join(" | ", COLUMNS)).append(" |\n|");
        b.append("---|".repeat(COLUMNS.length)).append('\n');
        for (long[] r : rows) {
            b.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        b.append("\n</details>\n");
        return b.toString();
    }

    private static double mean(List<long[]> rows, int col) {
        double sum = 0;
        for (long[] r : rows) {
            sum += shown(col, r[col]);
        }
        return rows.isEmpty() ? 0 : sum / rows.size();
    }
}
