package smbench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;

import org.HdrHistogram.Histogram;

/**
 * HLS: a live stream written into the stub node's folder (a sliding-window playlist and a new segment every
 * {@code --seg-seconds}), and {@code --viewers} players on keep-alive connections. Live phase: players reload the
 * playlist as a player does and fetch each new segment once (egress is what real time asks for). Burst phase: every
 * player fetches the window's segments back to back (cached egress at saturation). Afterwards the stub's access log
 * says how often the node was asked for each segment.
 */
final class HlsLoad {
    private HlsLoad() {
    }

    static void main(Args a) throws Exception {
        Path dir = Path.of(a.need("dir"));
        String stream = a.str("stream", "hls1");
        double segSeconds = a.dbl("seg-seconds", 2);
        int segBytes = a.integer("seg-bytes", 250_000);
        int window = a.integer("window", 5);
        URI playlist = URI.create(a.need("url"));
        int viewers = a.integer("viewers", 1000);
        double liveSeconds = a.dbl("live-seconds", 20);
        double burstSeconds = a.dbl("burst-seconds", 10);
        Path accessLog = a.str("access-log", null) == null ? null : Path.of(a.str("access-log", null));
        List<String> sources = a.list("sources", "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5");
        Results r = new Results(a.str("results", null), a.need("label"));
        CpuProbe cpu = new CpuProbe(a.list("cpu", ""));

        long logStart = accessLog != null && Files.exists(accessLog) ? Files.size(accessLog) : 0;
        Origin origin = new Origin(dir.resolve("live"), stream, segSeconds, segBytes, window);
        origin.begin();
        Thread writer = new Thread(origin::run, "hls-origin");
        writer.setDaemon(true);
        writer.start();

        boolean tls = "https".equals(playlist.getScheme());
        SslContext ssl = tls ? Net.clientTls(false) : null;
        EventLoopGroup group = Net.group(a.integer("threads", 2));
        List<Viewer> all = new ArrayList<>();
        Stats live = new Stats();
        Stats burst = new Stats();
        try {
            long t0 = System.nanoTime();
            long liveEnd = t0 + (long) (liveSeconds * 1e9);
            long burstEnd = liveEnd + (long) (burstSeconds * 1e9);
            for (int i = 0; i < viewers; i++) {
                Viewer v = new Viewer((EventLoop) group.next(), playlist, ssl, Net.local(sources, i), liveEnd, burstEnd,
                        (long) (segSeconds * 1e9), live, burst);
                all.add(v);
                // players join over the first two seconds
                v.loop.schedule(v::connect, ThreadLocalRandom.current().nextLong(2_000_000), TimeUnit.MICROSECONDS);
            }
            cpu.begin();
            WhepLoad.sleepUntil(liveEnd);
            var liveCpu = cpu.end();
            cpu.begin();
            WhepLoad.sleepUntil(burstEnd);
            var burstCpu = cpu.end();
            Thread.sleep(1000);
            origin.stop = true;
            for (Viewer v : all) {
                v.loop.execute(v::close);
            }
            Thread.sleep(500);
            Stats[] phases = {live, burst};
            String[] names = {"live", "burst"};
            double[] secs = {liveSeconds, burstSeconds};
            for (int p = 0; p < 2; p++) {
                Stats s = phases[p];
                Histogram h = new Histogram(60_000_000L, 3);
                long requests = 0;
                long bytes = 0;
                long segments = 0;
                long errors = 0;
                for (Viewer v : all) {
                    final int phase = p;
                    long[] c = v.loop.submit(() -> {
                        h.add(v.seg[phase]);
                        return new long[] {v.requests[phase], v.bytes[phase], v.segments[phase], v.errors[phase]};
                    }).get(5, TimeUnit.SECONDS);
                    requests += c[0];
                    bytes += c[1];
                    segments += c[2];
                    errors += c[3];
                }
                String k = names[p];
                r.put(k + ".viewers_connected", all.stream().filter(v -> v.everConnected).count())
                        .put(k + ".requests", requests).put(k + ".rps", requests / secs[p])
                        .put(k + ".segments", segments).put(k + ".MBps", bytes / secs[p] / 1e6)
                        .put(k + ".errors", errors);
                r.latency(k + ".segment_fetch", h);
            }
            r.put("live.demand_MBps", viewers * (double) segBytes / segSeconds / 1e6);
            cpu.put(r, liveCpu);
            burstCpu.forEach((key, v) -> r.put("burst.cpu." + key, v));
        } finally {
            origin.stop = true;
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
        if (accessLog != null) {
            countFetches(accessLog, logStart, stream, origin.written, r);
        }
        r.put("segments_written", origin.written).put("segment_bytes", segBytes).put("segment_seconds", segSeconds);
        r.flush();
    }

    /** Upstream requests per segment, from the stub's access log lines written during this run. */
    static void countFetches(Path log, long from, String stream, int written, Results r) throws IOException {
        byte[] all = Files.readAllBytes(log);
        String text = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                StandardCharsets.US_ASCII);
        Pattern seg = Pattern.compile("/live/" + Pattern.quote(stream) + "_(\\d+)\\.ts");
        Pattern pl = Pattern.compile("/live/" + Pattern.quote(stream) + "\\.m3u8");
        Map<Integer, Integer> perSegment = new HashMap<>();
        int playlists = 0;
        for (String line : text.split("\n")) {
            Matcher m = seg.matcher(line);
            if (m.find()) {
                perSegment.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
            } else if (pl.matcher(line).find()) {
                playlists++;
            }
        }
        int max = 0;
        int over = 0;
        long total = 0;
        for (int n : perSegment.values()) {
            max = Math.max(max, n);
            over += n > 1 ? 1 : 0;
            total += n;
        }
        r.put("upstream.segments_fetched", perSegment.size()).put("upstream.segment_requests", total)
                .put("upstream.fetches_per_segment.mean", perSegment.isEmpty() ? 0 : total / (double) perSegment.size())
                .put("upstream.fetches_per_segment.max", max).put("upstream.segments_fetched_more_than_once", over)
                .put("upstream.playlist_requests", playlists);
    }

    /** Writes the live stream: one segment every segSeconds, playlist replaced atomically. */
    static final class Origin {
        final Path dir;
        final String stream;
        final double segSeconds;
        final byte[] payload;
        final int window;
        volatile boolean stop;
        volatile int written;

        Origin(Path dir, String stream, double segSeconds, int segBytes, int window) throws IOException {
            this.dir = dir;
            this.stream = stream;
            this.segSeconds = segSeconds;
            this.window = window;
            this.payload = new byte[segBytes];
            new Random(1).nextBytes(payload);
            Files.createDirectories(dir);
            try (var old = Files.newDirectoryStream(dir, stream + "*")) {
                for (Path p : old) {
                    Files.deleteIfExists(p);
                }
            }
        }

        void begin() throws IOException {
            for (int i = 0; i < window; i++) {
                add();
            }
        }

        void run() {
            long next = System.nanoTime() + (long) (segSeconds * 1e9);
            int bounded = 10_000; // never runs away: at most this many segments
            while (!stop && bounded-- > 0) {
                try {
                    WhepLoad.sleepUntil(next);
                    next += (long) (segSeconds * 1e9);
                    if (!stop) {
                        add();
                    }
                } catch (InterruptedException | IOException e) {
                    return;
                }
            }
        }

        private void add() throws IOException {
            int n = written;
            payload[0] = (byte) n;
            payload[1] = (byte) (n >> 8);
            Path tmp = dir.resolve("." + stream + "_" + n + ".tmp");
            Files.write(tmp, payload);
            Files.move(tmp, dir.resolve(stream + "_" + n + ".ts"), StandardCopyOption.ATOMIC_MOVE);
            written = n + 1;
            int first = Math.max(0, written - window);
            StringBuilder m = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n");
            m.append("#EXT-X-TARGETDURATION:").append((int) Math.ceil(segSeconds)).append('\n');
            m.append("#EXT-X-MEDIA-SEQUENCE:").append(first).append('\n');
            for (int i = first; i < written; i++) {
                m.append("#EXTINF:").append(String.format(java.util.Locale.ROOT, "%.3f", segSeconds)).append(",\n");
                m.append(stream).append('_').append(i).append(".ts\n");
            }
            Path ptmp = dir.resolve("." + stream + ".m3u8.tmp");
            Files.writeString(ptmp, m.toString());
            Files.move(ptmp, dir.resolve(stream + ".m3u8"), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static final class Stats {
    }

    /** One player on one keep-alive connection; state touched only on its loop. */
    @io.netty.channel.ChannelHandler.Sharable
    static final class Viewer extends ChannelInboundHandlerAdapter {
        final EventLoop loop;
        final URI playlist;
        final SslContext ssl;
        final InetSocketAddress local;
        final long liveEnd;
        final long burstEnd;
        final long segNanos;
        final Histogram[] seg = {new Histogram(60_000_000L, 3), new Histogram(60_000_000L, 3)};
        final long[] requests = new long[2];
        final long[] bytes = new long[2];
        final long[] segments = new long[2];
        final long[] errors = new long[2];
        final Set<String> seen = new HashSet<>();
        final List<String> queue = new ArrayList<>();
        Channel ch;
        boolean everConnected;
        boolean closed;
        String current;
        boolean currentIsPlaylist;
        long started;
        int status;
        StringBuilder body;
        String lastPlaylist;
        int burstIndex;
        List<String> windowUris = new ArrayList<>();

        Viewer(EventLoop loop, URI playlist, SslContext ssl, InetSocketAddress local, long liveEnd, long burstEnd,
               long segNanos, Stats live, Stats burst) {
            this.loop = loop;
            this.playlist = playlist;
            this.ssl = ssl;
            this.local = local;
            this.liveEnd = liveEnd;
            this.burstEnd = burstEnd;
            this.segNanos = segNanos;
        }

        int phase() {
            return System.nanoTime() < liveEnd ? 0 : 1;
        }

        void connect() {
            if (closed || System.nanoTime() >= burstEnd) {
                return;
            }
            Bootstrap b = Net.client(loop).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    if (ssl != null) {
                        c.pipeline().addLast(ssl.newHandler(c.alloc(), playlist.getHost(), playlist.getPort()));
                    }
                    c.pipeline().addLast(new HttpResponseDecoder(4096, 8192, 65536), Viewer.this);
                }
            });
            var f = b.connect(new InetSocketAddress(playlist.getHost(), playlist.getPort()), local);
            ch = f.channel();
            f.addListener(done -> {
                if (done.isSuccess()) {
                    everConnected = true;
                    next();
                } else {
                    errors[phase()]++;
                    loop.schedule(this::connect, 500, TimeUnit.MILLISECONDS);
                }
            });
        }

        void close() {
            closed = true;
            if (ch != null) {
                ch.close();
            }
        }

        /** What to fetch next: queued segments first, then (live) the playlist at the player's pace. */
        void next() {
            if (closed) {
                return;
            }
            long now = System.nanoTime();
            if (now >= burstEnd) {
                close();
                return;
            }
            if (now < liveEnd) {
                if (!queue.isEmpty()) {
                    get(queue.remove(0), false);
                } else {
                    get(playlistUri(), true);
                }
                return;
            }
            // burst: the window's segments back to back, the playlist again after each pass
            if (burstIndex < windowUris.size()) {
                get(windowUris.get(burstIndex++), false);
            } else {
                burstIndex = 0;
                get(playlistUri(), true);
            }
        }

        private String playlistUri() {
            return playlist.getRawPath() + (playlist.getRawQuery() == null ? "" : "?" + playlist.getRawQuery());
        }

        void get(String uri, boolean isPlaylist) {
            current = uri;
            currentIsPlaylist = isPlaylist;
            started = System.nanoTime();
            body = isPlaylist ? new StringBuilder() : null;
            String req = "GET " + uri + " HTTP/1.1\r\nHost: " + playlist.getHost() + ":" + playlist.getPort()
                    + "\r\nUser-Agent: smbench-hls\r\nAccept: */*\r\n\r\n";
            ByteBuf buf = Unpooled.copiedBuffer(req, StandardCharsets.US_ASCII);
            ch.writeAndFlush(buf);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse) {
                    status = ((HttpResponse) msg).status().code();
                }
                int p = phase();
                if (msg instanceof HttpContent) {
                    ByteBuf c = ((HttpContent) msg).content();
                    bytes[p] += c.readableBytes();
                    if (body != null) {
                        body.append(c.toString(StandardCharsets.UTF_8));
                    }
                }
                if (msg instanceof LastHttpContent) {
                    requests[p]++;
                    long now = System.nanoTime();
                    if (status != 200) {
                        errors[p]++;
                    } else if (currentIsPlaylist) {
                        onPlaylist(body.toString());
                    } else {
                        segments[p]++;
                        seg[p].recordValue(Math.min(60_000_000L, (now - started) / 1000));
                    }
                    if (currentIsPlaylist && now < liveEnd && queue.isEmpty()) {
                        // a player reloads a changed playlist after a target duration, an unchanged one after half
                        boolean changed = !body.toString().equals(lastPlaylist);
                        long wait = changed ? segNanos : segNanos / 2;
                        lastPlaylist = body.toString();
                        loop.schedule(this::next, Math.min(wait, Math.max(0, liveEnd - now)), TimeUnit.NANOSECONDS);
                    } else {
                        if (currentIsPlaylist) {
                            lastPlaylist = body.toString();
                        }
                        next();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onPlaylist(String text) {
            List<String> uris = new ArrayList<>();
            for (String line : text.split("\n")) {
                line = line.trim();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    URI u = playlist.resolve(line);
                    uris.add(u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
                }
            }
            windowUris = uris;
            if (System.nanoTime() >= liveEnd) {
                return;
            }
            if (seen.isEmpty()) {
                // join three segments from the live edge, as players hold back
                for (int i = 0; i < Math.max(0, uris.size() - 3); i++) {
                    seen.add(segmentName(uris.get(i)));
                }
            }
            for (String u : uris) {
                // a segment is known by its file name: a proxy may sign its URL differently on each reload
                if (seen.add(segmentName(u))) {
                    queue.add(u);
                }
            }
        }

        static String segmentName(String uri) {
            int q = uri.indexOf('?');
            String path = q < 0 ? uri : uri.substring(0, q);
            return path.substring(path.lastIndexOf('/') + 1);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed && ctx.channel() == ch) {
                errors[phase()]++;
                loop.schedule(this::connect, 200, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
