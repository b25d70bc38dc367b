package smbench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;

import org.HdrHistogram.Histogram;

/**
 * WebSocket relay load: opens sessions in steps up to {@code --steps}' last value (each session counts as open
 * only once a first message came back through both legs), samples the memory of the process under test after
 * each step, then sends text messages at a fixed aggregate rate (timed from their scheduled send, no coordinated
 * omission) and finally measures saturation throughput with one message in flight per session on a subset.
 */
final class WsLoad {
    private WsLoad() {
    }

    static final int PAD = 150;

    static void main(Args a) throws Exception {
        String urlTemplate = a.need("url");
        List<Integer> steps = new ArrayList<>();
        for (String s : a.list("steps", "1000,3000,6000,9000")) {
            steps.add(Integer.parseInt(s));
        }
        List<String> sources = a.list("sources", "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5");
        int threads = a.integer("threads", 2);
        double rate = a.dbl("rate", 5000);
        double duration = a.dbl("duration", 15);
        int satSessions = a.integer("sat-sessions", 1000);
        double satDuration = a.dbl("sat-duration", 8);
        double openTimeout = a.dbl("open-timeout", 120);
        Results r = new Results(a.str("results", null), a.need("label"));
        CpuProbe cpu = new CpuProbe(a.list("cpu", ""));
        URI probeUri = URI.create(urlTemplate.replace("{i}", "0"));
        boolean tls = "wss".equals(probeUri.getScheme());
        SslContext ssl = tls ? Net.clientTls(false) : null;
        EventLoopGroup group = Net.group(threads);
        List<Sess> sessions = new ArrayList<>();
        try (MemProbe mem = new MemProbe(a.str("mem", "none"))) {
            long[] base = mem.sample();
            r.put("mem.base.heap", base[0]).put("mem.base.direct", base[1]).put("mem.base.rss", base[2])
                    .put("mem.base.rssanon", base[3]);
            Semaphore inFlight = new Semaphore(a.integer("open-concurrency", 200));
            int opened = 0;
            int failed = 0;
            long openStart = System.nanoTime();
            for (int target : steps) {
                CountDownLatch latch = new CountDownLatch(target - opened);
                long deadline = System.nanoTime() + (long) (openTimeout * 1e9);
                AtomicInteger failures = new AtomicInteger();
                for (int i = opened; i < target; i++) {
                    if (!inFlight.tryAcquire(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    Sess s = new Sess(i, (EventLoop) group.next());
                    sessions.add(s);
                    s.open(URI.create(urlTemplate.replace("{i}", String.valueOf(i))), ssl, Net.local(sources, i), () -> {
                        inFlight.release();
                        latch.countDown();
                    }, () -> {
                        inFlight.release();
                        failures.incrementAndGet();
                        latch.countDown();
                    });
                }
                latch.await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                failed += failures.get();
                opened = target;
                long open = sessions.stream().filter(s -> s.open).count();
                double secs = (System.nanoTime() - openStart) / 1e9;
                Thread.sleep(1000); // let the proxy settle (pending close handshakes, buffers returned)
                long[] m = mem.sample();
                String k = "step." + target;
                r.put(k + ".open", open).put(k + ".failed", failures.get()).put(k + ".open_seconds", secs);
                if (mem.active()) {
                    r.put(k + ".heap", m[0]).put(k + ".direct", m[1]).put(k + ".rss", m[2]).put(k + ".rssanon", m[3]);
                    if (open > 0) {
                        r.put(k + ".per_session.heap", m[0] < 0 ? -1 : (m[0] - base[0]) / (double) open)
                                .put(k + ".per_session.direct", m[1] < 0 ? -1 : (m[1] - base[1]) / (double) open)
                                .put(k + ".per_session.heap_direct", m[0] < 0 ? -1
                                        : (m[0] - base[0] + m[1] - base[1]) / (double) open)
                                .put(k + ".per_session.rss", (m[2] - base[2]) / (double) open)
                                .put(k + ".per_session.rssanon", (m[3] - base[3]) / (double) open);
                    }
                }
                r.flush();
                if (open < target * 0.5) {
                    break; // the target cannot take more: stop stepping
                }
            }
            List<Sess> live = new ArrayList<>();
            for (Sess s : sessions) {
                if (s.open) {
                    live.add(s);
                }
            }
            r.put("sessions", live.size()).put("failed", failed);
            // fixed-rate phase
            if (!live.isEmpty() && rate > 0) {
                Histogram h = new Histogram(60_000_000L, 3);
                long start = System.nanoTime() + 200_000_000L;
                long end = start + (long) (duration * 1e9);
                List<Pacer> pacers = List.of(new Pacer(live, rate, start, end));
                Thread.sleep(100);
                cpu.begin();
                for (Pacer p : pacers) {
                    p.begin();
                }
                WhepLoad.sleepUntil(end);
                var usage = cpu.end();
                Thread.sleep(2000);
                long sent = 0;
                long got = 0;
                for (Pacer p : pacers) {
                    long[] c = p.collect(h);
                    sent += c[0];
                    got += c[1];
                }
                r.put("msg.rate", rate).put("msg.sent", sent).put("msg.received", got).put("msg.lost", sent - got);
                r.latency("msg.rtt", h);
                cpu.put(r, usage);
                r.flush();
            }
            // saturation: one message in flight on each of the first satSessions sessions
            if (!live.isEmpty() && satDuration > 0) {
                List<Sess> sat = live.subList(0, Math.min(satSessions, live.size()));
                long start = System.nanoTime();
                long end = start + (long) (satDuration * 1e9);
                List<Histogram> hs = new ArrayList<>();
                for (Sess s : sat) {
                    Histogram h = new Histogram(60_000_000L, 3);
                    hs.add(h);
                    s.loop.execute(() -> s.pingPong(h, end));
                }
                WhepLoad.sleepUntil(end);
                Thread.sleep(1500);
                Histogram all = new Histogram(60_000_000L, 3);
                long echoes = 0;
                for (int i = 0; i < sat.size(); i++) {
                    Sess s = sat.get(i);
                    Histogram h = hs.get(i);
                    long n = s.loop.submit(() -> {
                        all.add(h);
                        return s.ppCount;
                    }).get(5, TimeUnit.SECONDS);
                    echoes += n;
                }
                r.put("sat.sessions", sat.size()).put("sat.echoes_per_s", echoes / satDuration);
                r.latency("sat.rtt", all);
                r.flush();
            }
        } finally {
            for (Sess s : sessions) {
                if (s.ch != null) {
                    s.ch.close();
                }
            }
            Thread.sleep(1000);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    static String message(long seq, long sentNanos) {
        StringBuilder b = new StringBuilder(200);
        b.append("{\"type\":\"candidate\",\"seq\":").append(seq).append(",\"t\":").append(sentNanos).append(",\"pad\":\"");
        for (int i = 0; i < PAD; i++) {
            b.append('x');
        }
        return b.append("\"}").toString();
    }

    static long stamp(String text) {
        int i = text.indexOf("\"t\":");
        int j = text.indexOf(',', i);
        return Long.parseLong(text.substring(i + 4, j));
    }

    /** Sends the fixed-rate schedule round-robin over its sessions. */
    static final class Pacer {
        final List<Sess> sessions;
        final long gap;
        final long start;
        final long end;
        final Thread thread;
        volatile long sent;

        Pacer(List<Sess> sessions, double rate, long start, long end) {
            this.sessions = sessions;
            this.gap = (long) (1e9 / rate);
            this.start = start;
            this.end = end;
            for (Sess s : sessions) {
                s.hist = new Histogram(60_000_000L, 3);
            }
            this.thread = new Thread(this::run, "pacer");
            thread.setDaemon(true);
        }

        void begin() {
            thread.start();
        }

        /** A pacing thread: it only hands each due message to its session's loop, stamped with its due time. */
        private void run() {
            long due = start;
            int i = 0;
            long n = 0;
            while (due < end) {
                long now = System.nanoTime();
                if (due > now) {
                    long wait = due - now;
                    if (wait > 200_000) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                    }
                    continue;
                }
                // everything due by now goes out at once (a late pacer shows as latency, not as a lower rate)
                while (due <= now && due < end) {
                    Sess s = sessions.get(i++ % sessions.size());
                    long stampNanos = due;
                    s.loop.execute(() -> s.send(stampNanos));
                    due += gap;
                    n++;
                }
            }
            sent = n;
        }

        long[] collect(Histogram into) throws Exception {
            thread.join(5000);
            long got = 0;
            for (Sess s : sessions) {
                got += s.loop.submit(() -> {
                    into.add(s.hist);
                    return s.received;
                }).get(5, TimeUnit.SECONDS);
            }
            return new long[] {sent, got};
        }
    }

    /** One client session; all its state is touched on its event loop. */
    static final class Sess extends SimpleChannelInboundHandler<WebSocketFrame> {
        final int index;
        final EventLoop loop;
        Channel ch;
        volatile boolean open;
        Runnable onOpen;
        Runnable onFail;
        boolean settled;
        Histogram hist;
        long received;
        long seq;
        Histogram pp;
        long ppEnd;
        long ppCount;

        Sess(int index, EventLoop loop) {
            this.index = index;
            this.loop = loop;
        }

        void open(URI uri, SslContext ssl, InetSocketAddress local, Runnable onOpen, Runnable onFail) {
            this.onOpen = onOpen;
            this.onFail = onFail;
            Bootstrap b = Net.client(loop).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    if (ssl != null) {
                        c.pipeline().addLast(ssl.newHandler(c.alloc()));
                    }
                    c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16384),
                            new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(uri,
                                    WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 65536), true),
                            Sess.this);
                }
            });
            int port = uri.getPort();
            var f = local == null ? b.connect(uri.getHost(), port) : b.connect(new InetSocketAddress(uri.getHost(), port), local);
            ch = f.channel();
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    settle(false, done.cause());
                }
            });
            loop.schedule(() -> {
                if (!settled) {
                    settle(false, new RuntimeException("open timed out"));
                    ch.close();
                }
            }, 30, TimeUnit.SECONDS);
        }

        private void settle(boolean ok, Throwable why) {
            if (settled) {
                return;
            }
            settled = true;
            open = ok;
            if (ok) {
                onOpen.run();
            } else {
                if (why != null && FAILS.incrementAndGet() <= 5) {
                    System.err.println("ws open failed: " + why);
                }
                onFail.run();
            }
        }

        static final AtomicInteger FAILS = new AtomicInteger();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                // a first message that must come back proves the node leg is open too
                ctx.writeAndFlush(new TextWebSocketFrame(message(-1, System.nanoTime())));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame)) {
                return;
            }
            String text = ((TextWebSocketFrame) frame).text();
            long now = System.nanoTime();
            if (!settled) {
                settle(true, null);
                return;
            }
            long t = stamp(text);
            if (pp != null && text.contains("\"seq\":-2,")) {
                pp.recordValue(Math.min(60_000_000L, (now - t) / 1000));
                ppCount++;
                if (now < ppEnd) {
                    ch.writeAndFlush(new TextWebSocketFrame(message(-2, System.nanoTime())));
                }
                return;
            }
            if (hist != null) {
                hist.recordValue(Math.min(60_000_000L, (now - t) / 1000));
                received++;
            }
        }

        void send(long dueNanos) {
            if (ch.isActive()) {
                ch.writeAndFlush(new TextWebSocketFrame(message(seq++, dueNanos)));
            }
        }

        void pingPong(Histogram h, long end) {
            pp = h;
            ppEnd = end;
            if (ch.isActive()) {
                ch.writeAndFlush(new TextWebSocketFrame(message(-2, System.nanoTime())));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!settled) {
                settle(false, new RuntimeException("closed before open"));
            }
            open = false;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            settle(false, cause);
            ctx.close();
        }
    }
}
