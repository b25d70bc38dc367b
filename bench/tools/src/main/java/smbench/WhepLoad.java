package smbench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import org.HdrHistogram.Histogram;

/**
 * WHEP signalling cycles (OPTIONS, POST with a 5 KB offer, PATCH with a trickle fragment, DELETE) over HTTP/1.1,
 * against the proxy, nginx or the stub node directly.
 *
 * <p>Two ways to load: closed loop ({@code --rate 0}: every slot runs cycles back to back, for the saturation
 * throughput) and open loop ({@code --rate R}: cycles start on a fixed schedule of R per second whatever happens,
 * and each cycle's first request is timed from its scheduled start, so a stall shows in the percentiles instead of
 * silently lowering the load: no coordinated omission, as wrk2 does it). Three connection modes: {@code keepalive}
 * (a pool of persistent connections), {@code new} (a new TCP+TLS connection per cycle, full handshake) and
 * {@code resumed} (a new connection per cycle, resuming the previous TLS session).
 *
 * <p>Two more styles reuse the same loops with a one-request cycle, to measure what the cluster store costs:
 * {@code heartbeat} (a node heartbeat POSTed to the proxy, one node per slot) and {@code select} (a subscribe
 * selection, {@code GET /as/v1/streams/stream/ng1/subscribe/<--stream>}).
 */
final class WhepLoad {
    private static final String[] EXPECT_WHEP = {"204", "201", "204", "200"};
    private static final String[] EXPECT_ONE = {"200"};

    final URI url;
    final boolean tls;
    final String mode;
    final int slotsPerWorker;
    final double ratePerWorker;
    final List<String> sources;
    final SslContext ssl;
    final long timeoutNanos;
    final String[] expect;
    long measureStart;
    long measureEnd;
    volatile boolean stopping;

    WhepLoad(Args a) throws Exception {
        url = URI.create(a.need("url"));
        tls = "https".equals(url.getScheme());
        mode = a.str("mode", "keepalive");
        int threads = a.integer("threads", 2);
        slotsPerWorker = Math.max(1, a.integer("conns", 64) / threads);
        ratePerWorker = a.dbl("rate", 0) / threads;
        sources = a.list("sources", "127.0.0.1");
        ssl = tls ? Net.clientTls("resumed".equals(mode)) : null;
        timeoutNanos = (long) (a.dbl("timeout", 5) * 1e9);
        String style = a.str("style", "node");
        expect = "heartbeat".equals(style) || "select".equals(style) ? EXPECT_ONE : EXPECT_WHEP;
    }

    static void main(Args a) throws Exception {
        WhepLoad load = new WhepLoad(a);
        int threads = a.integer("threads", 2);
        double warmup = a.dbl("warmup", 3);
        double duration = a.dbl("duration", 10);
        Path bodies = Path.of(a.need("bodies"));
        byte[] offer = Files.readAllBytes(bodies.resolve("offer.sdp"));
        byte[] frag = Files.readAllBytes(bodies.resolve("trickle.sdpfrag"));
        String style = a.str("style", "node");
        String node = a.str("node", "127.0.0.1:8081");
        String stream = a.str("stream", "live/sel");
        String secret = a.str("secret", "bench-node-secret-0123456789");
        CpuProbe cpu = new CpuProbe(a.list("cpu", ""));
        EventLoopGroup group = Net.group(threads);
        List<Worker> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        load.measureStart = t0 + (long) (warmup * 1e9);
        load.measureEnd = load.measureStart + (long) (duration * 1e9);
        for (int w = 0; w < threads; w++) {
            Worker worker = load.new Worker((EventLoop) group.next(), w, style, node, offer, frag, stream, secret);
            workers.add(worker);
        }
        for (Worker w : workers) {
            w.loop.execute(w::begin);
        }
        sleepUntil(load.measureStart);
        cpu.begin();
        sleepUntil(load.measureEnd);
        var usage = cpu.end();
        load.stopping = true;
        Thread.sleep(3000); // cycles scheduled before the end may finish; the rest count as incomplete
        Histogram req = new Histogram(60_000_000L, 3);
        Histogram cyc = new Histogram(60_000_000L, 3);
        long done = 0;
        long errors = 0;
        long badStatus = 0;
        long incomplete = 0;
        long handshakes = 0;
        long resumed = 0;
        long reconnects = 0;
        long scheduled = 0;
        for (Worker w : workers) {
            long[] c = w.loop.submit(w::finish).get(10, TimeUnit.SECONDS);
            done += c[0];
            errors += c[1];
            badStatus += c[2];
            incomplete += c[3];
            handshakes += c[4];
            resumed += c[5];
            reconnects += c[6];
            scheduled += c[7];
            req.add(w.req);
            cyc.add(w.cycle);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        Results r = new Results(a.str("results", null), a.need("label"));
        r.put("mode", load.mode).put("rate.offered", a.dbl("rate", 0)).put("conns", load.slotsPerWorker * threads)
                .put("cycles", done).put("cps", done / duration).put("rps", done * load.expect.length / duration)
                .put("errors", errors).put("bad_status", badStatus).put("incomplete", incomplete)
                .put("scheduled", scheduled).put("tls.handshakes", handshakes).put("tls.resumed", resumed)
                .put("reconnects", reconnects).put("tls.client", load.tls ? Net.tlsProvider() : "none");
        r.latency("req", req).latency("cycle", cyc);
        cpu.put(r, usage);
        r.flush();
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(200, left / 1_000_000)));
        }
    }

    /** One event loop's share: its slots, its schedule, its histograms. Touched only on its loop. */
    final class Worker {
        final EventLoop loop;
        final Bootstrap boot;
        final InetSocketAddress remote;
        final List<Slot> slots = new ArrayList<>();
        final ArrayDeque<Slot> idle = new ArrayDeque<>();
        final ArrayDeque<Long> pending = new ArrayDeque<>();
        final Histogram req = new Histogram(60_000_000L, 3);
        final Histogram cycle = new Histogram(60_000_000L, 3);
        long done;
        long errors;
        long badStatus;
        long handshakes;
        long resumed;
        long reconnects;
        long scheduled;
        long nextDue;
        final double gapNanos;
        final int index;

        Worker(EventLoop loop, int index, String style, String node, byte[] offer, byte[] frag, String selStream,
               String secret) {
            this.loop = loop;
            this.index = index;
            this.boot = Net.client(loop);
            this.remote = new InetSocketAddress(url.getHost(), url.getPort());
            this.gapNanos = ratePerWorker > 0 ? 1e9 / ratePerWorker : 0;
            String hostHeader = url.getHost() + ":" + url.getPort();
            for (int i = 0; i < slotsPerWorker; i++) {
                String stream = "w" + index + "s" + i;
                String ep;
                String res;
                if ("proxy".equals(style)) {
                    ep = "/as/v1/proxy/whep/live/" + stream + "?host=" + node + "&requestId=r" + stream;
                    res = ep;
                } else {
                    ep = "/live/whep/endpoint/" + stream + "?requestId=r" + stream;
                    res = "/live/whep/resource/" + stream + "?requestId=r" + stream;
                }
                boolean close = !"keepalive".equals(mode);
                if ("heartbeat".equals(style)) {
                    // one node per slot, each carrying the selection benchmark's stream, on addresses never dialled
                    String hb = "{\"id\":\"hb-" + stream + "\",\"nodeGroup\":\"ng1\",\"role\":\"edge\","
                            + "\"publicAddress\":\"198.51.100." + (1 + (index * slotsPerWorker + i) % 250) + "\","
                            + "\"httpPort\":5080,\"state\":\"INSERVICE\",\"metrics\":{\"connections.client\":" + i
                            + "},\"streams\":[{\"streamGuid\":\"" + selStream + "\",\"publishing\":false,"
                            + "\"subscribers\":" + i + "}]}";
                    slots.add(new Slot(this, i, new ByteBuf[] {request("POST", "/as/v1/nodes/heartbeat", hostHeader,
                            "application/json", hb.getBytes(StandardCharsets.UTF_8), close,
                            "Authorization: Bearer " + secret + "\r\n")}));
                    continue;
                }
                if ("select".equals(style)) {
                    slots.add(new Slot(this, i, new ByteBuf[] {request("GET", "/as/v1/streams/stream/ng1/subscribe/"
                            + selStream, hostHeader, null, null, close, "")}));
                    continue;
                }
                ByteBuf[] reqs = {
                    request("OPTIONS", ep, hostHeader, null, null, false, ""),
                    request("POST", ep, hostHeader, "application/sdp", offer, false,
                            "Authorization: Bearer bench-" + stream + "\r\n"),
                    request("PATCH", res, hostHeader, "application/trickle-ice-sdpfrag", frag, false,
                            "If-Match: \"bench-etag\"\r\n"),
                    request("DELETE", res, hostHeader, null, null, close, "")};
                slots.add(new Slot(this, i, reqs));
            }
        }

        void begin() {
            long now = System.nanoTime();
            // open loop over persistent connections: the schedule starts once they had a second to connect
            nextDue = now + ("keepalive".equals(mode) && gapNanos > 0 ? 1_000_000_000L : 0);
            for (Slot s : slots) {
                if ("keepalive".equals(mode)) {
                    s.connect(); // joins idle when connected
                } else {
                    idle.add(s);
                }
            }
            if (gapNanos > 0) {
                loop.schedule(this::tick, Math.max(0, nextDue - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else if (!"keepalive".equals(mode)) {
                dispatch();
            }
            loop.scheduleAtFixedRate(this::checkTimeouts, 500, 500, TimeUnit.MILLISECONDS);
        }

        /** Open loop: releases every cycle whose time has come, then sleeps until the next one. */
        void tick() {
            if (stopping) {
                return;
            }
            long now = System.nanoTime();
            while (nextDue <= now && nextDue < measureEnd) {
                pending.add(nextDue);
                scheduled++;
                nextDue += (long) gapNanos;
            }
            dispatch();
            if (nextDue < measureEnd) {
                loop.schedule(this::tick, Math.max(0, nextDue - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }

        void dispatch() {
            while (!idle.isEmpty() && !stopping) {
                long intended;
                if (gapNanos > 0) {
                    if (pending.isEmpty()) {
                        return;
                    }
                    intended = pending.poll();
                } else {
                    intended = System.nanoTime();
                }
                idle.poll().startCycle(intended);
            }
        }

        void checkTimeouts() {
            long now = System.nanoTime();
            for (Slot s : slots) {
                if (s.busy && now - s.reqStarted > timeoutNanos) {
                    s.fail("timeout");
                }
            }
        }

        long[] finish() {
            long incomplete = pending.size();
            long now = System.nanoTime();
            for (Slot s : slots) {
                if (s.busy) {
                    incomplete++;
                    if (s.cycleIntended >= measureStart && s.cycleIntended < measureEnd) {
                        cycle.recordValue(Math.min(60_000_000L, (now - s.cycleIntended) / 1000));
                    }
                }
                s.busy = false;
                if (s.ch != null) {
                    s.ch.close();
                }
            }
            for (long p : pending) {
                if (p >= measureStart) {
                    cycle.recordValue(Math.min(60_000_000L, (now - p) / 1000));
                }
            }
            return new long[] {done, errors, badStatus, incomplete, handshakes, resumed, reconnects, scheduled};
        }
    }

    private static ByteBuf request(String method, String path, String host, String type, byte[] body, boolean close,
                                   String extra) {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        h.append("Host: ").append(host).append("\r\n");
        h.append("User-Agent: smbench\r\n");
        h.append(extra);
        if (type != null) {
            h.append("Content-Type: ").append(type).append("\r\n");
        }
        if (body != null) {
            h.append("Content-Length: ").append(body.length).append("\r\n");
        } else if ("POST".equals(method) || "PATCH".equals(method)) {
            h.append("Content-Length: 0\r\n");
        }
        if (close) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuf buf = Unpooled.directBuffer(head.length + (body == null ? 0 : body.length));
        buf.writeBytes(head);
        if (body != null) {
            buf.writeBytes(body);
        }
        return Unpooled.unreleasableBuffer(buf);
    }

    /** A connection (keepalive) or a session seat (new/resumed) that runs one cycle at a time. */
    @io.netty.channel.ChannelHandler.Sharable
    final class Slot extends ChannelInboundHandlerAdapter {
        final Worker w;
        final int id;
        final ByteBuf[] reqs;
        Channel ch;
        boolean busy;
        boolean connected;
        boolean closeAfter;
        int step;
        long cycleIntended;
        long reqStarted;
        boolean statusOk;
        boolean keepStart;

        Slot(Worker w, int id, ByteBuf[] reqs) {
            this.w = w;
            this.id = id;
            this.reqs = reqs;
        }

        void connect() {
            Bootstrap b = w.boot.clone().handler(new io.netty.channel.ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    ChannelPipeline p = c.pipeline();
                    if (ssl != null) {
                        SslHandler h = "resumed".equals(mode)
                                ? ssl.newHandler(c.alloc(), url.getHost(), url.getPort())
                                : ssl.newHandler(c.alloc());
                        p.addLast(h);
                    }
                    p.addLast(new HttpResponseDecoder());
                    p.addLast(Slot.this);
                }
            });
            InetSocketAddress local = Net.local(sources, w.index * slotsPerWorker + id + (int) w.handshakes);
            ChannelFuture f = local == null ? b.connect(w.remote) : b.connect(w.remote, local);
            ch = f.channel();
            connected = false;
            Channel mine = ch;
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    if (mine == ch) {
                        fail("connect: " + done.cause());
                    }
                    return;
                }
                if (ssl != null) {
                    SslHandler h = mine.pipeline().get(SslHandler.class);
                    h.handshakeFuture().addListener(hs -> {
                        if (hs.isSuccess()) {
                            w.handshakes++;
                            if (Net.sessionReused(h.engine())) {
                                w.resumed++;
                            }
                            ready(mine);
                        } else if (mine == ch) {
                            fail("tls: " + hs.cause());
                        }
                    });
                } else {
                    ready(mine);
                }
            });
        }

        private void ready(Channel c) {
            if (c != ch) {
                return;
            }
            connected = true;
            if (busy) {
                send(); // new/resumed: the cycle was waiting for this connection
            } else {
                w.idle.add(this);
                w.dispatch();
            }
        }

        void startCycle(long intended) {
            busy = true;
            step = 0;
            cycleIntended = intended;
            reqStarted = intended;
            closeAfter = false;
            if ("keepalive".equals(mode)) {
                send();
            } else {
                connect();
            }
        }

        private void send() {
            if (step > 0 && !keepStart) {
                reqStarted = System.nanoTime();
            }
            keepStart = false;
            statusOk = false;
            ch.writeAndFlush(reqs[step].retainedDuplicate());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (ctx.channel() != ch || !busy) {
                    return;
                }
                if (msg instanceof HttpResponse) {
                    HttpResponse r = (HttpResponse) msg;
                    statusOk = expect[step].equals(r.status().codeAsText().toString());
                    if (r.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
                        closeAfter = true;
                    }
                }
                if (msg instanceof LastHttpContent) {
                    long now = System.nanoTime();
                    boolean inWindow = cycleIntended >= measureStart && cycleIntended < measureEnd;
                    if (inWindow) {
                        w.req.recordValue(Math.min(60_000_000L, (now - reqStarted) / 1000));
                        if (!statusOk) {
                            w.badStatus++;
                        }
                    }
                    if (++step < reqs.length) {
                        if (closeAfter && "keepalive".equals(mode)) {
                            // the server ended the connection mid-cycle: go on over a fresh one
                            w.reconnects++;
                            Channel old = ch;
                            ch = null;
                            old.close();
                            reqStarted = now; // the reconnect is part of the next request's time
                            keepStart = true;
                            connect();
                            return;
                        }
                        send();
                        return;
                    }
                    busy = false;
                    if (inWindow) {
                        w.cycle.recordValue(Math.min(60_000_000L, (now - cycleIntended) / 1000));
                        if (now <= measureEnd + 3_000_000_000L) {
                            w.done++;
                        }
                    }
                    if ("keepalive".equals(mode) && !closeAfter) {
                        w.idle.add(this);
                        w.dispatch();
                    } else {
                        if ("keepalive".equals(mode)) {
                            w.reconnects++;
                        }
                        Channel old = ch;
                        ch = null;
                        old.close();
                        if ("keepalive".equals(mode)) {
                            connect();
                        } else {
                            w.idle.add(this);
                            w.dispatch();
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != ch) {
                return;
            }
            if (busy) {
                fail("connection closed mid-request");
            } else if ("keepalive".equals(mode) && !stopping) {
                // closed while idle (server's keep-alive limit or timeout): replace it
                w.idle.remove(this);
                w.reconnects++;
                connect();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == ch) {
                fail(cause.toString());
            }
            ctx.close();
        }

        void fail(String why) {
            if (w.errors++ < 5) {
                System.err.println("whep error: " + why);
            }
            boolean wasBusy = busy;
            busy = false;
            Channel old = ch;
            ch = null;
            if (old != null) {
                old.close();
            }
            if (stopping) {
                return;
            }
            if ("keepalive".equals(mode)) {
                w.idle.remove(this);
                w.loop.schedule(this::connect, 20, TimeUnit.MILLISECONDS);
            } else if (wasBusy || !w.idle.contains(this)) {
                w.idle.add(this);
                w.loop.schedule(w::dispatch, 20, TimeUnit.MILLISECONDS);
            }
        }
    }
}
