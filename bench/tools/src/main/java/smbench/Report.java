package smbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Turns a run's results into the markdown tables: printed, and (with {@code --readme}) put between the markers of
 * bench/README.md. With {@code --jmh-only} it only converts JMH's JSON into result lines.
 */
final class Report {
    static final String START = "<!-- results:start -->";
    static final String END = "<!-- results:end -->";
    static final String STORE_START = "<!-- store-results:start -->";
    static final String STORE_END = "<!-- store-results:end -->";

    private final Properties p = new Properties();
    private final StringBuilder out = new StringBuilder();

    private Report() {
    }

    static void main(Args a) throws Exception {
        if (a.flag("jmh-only")) {
            jmh(Path.of(a.need("jmh")), a.need("results"), a.str("prefix", "jmh"));
            return;
        }
        Report r = new Report();
        try (var in = Files.newBufferedReader(Path.of(a.need("results")), StandardCharsets.UTF_8)) {
            r.p.load(in);
        }
        boolean store = "store".equals(a.str("section", "main"));
        if (store) {
            r.storeTable(a.str("command", "bench/run.sh --only store"));
        } else {
            r.render(a.str("command", "bench/run.sh"), a.str("jfr", null));
        }
        String table = r.out.toString();
        String start = store ? STORE_START : START;
        String end = store ? STORE_END : END;
        if (a.str("out", null) != null) {
            Files.writeString(Path.of(a.str("out", null)), table);
        }
        if (a.str("readme", null) != null) {
            Path readme = Path.of(a.str("readme", null));
            String text = Files.exists(readme) ? Files.readString(readme) : "# Benchmark\n\n" + start + "\n" + end + "\n";
            int s = text.indexOf(start);
            int e = text.indexOf(end);
            if (s < 0 || e < s) {
                text = text + "\n" + start + "\n" + end + "\n";
                s = text.indexOf(start);
                e = text.indexOf(end);
            }
            text = text.substring(0, s + start.length()) + "\n" + table + "\n" + text.substring(e);
            Files.writeString(readme, text);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private String s(String key) {
        return p.getProperty(key);
    }

    private double d(String key) {
        String v = p.getProperty(key);
        try {
            return v == null ? Double.NaN : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String f(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String ms(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String kb(double bytes) {
        return Double.isNaN(bytes) || bytes < -0.5 ? "–" : String.format(Locale.ROOT, "%.1f kB", bytes / 1000.0);
    }

    private void line(String l) {
        out.append(l).append('\n');
    }

    // ---- the report -----------------------------------------------------------------------------------------------

    private void render(String command, String jfrDir) throws IOException {
        line("Measured " + s("meta.date") + " by `" + command + "` on " + s("meta.cores") + " cores (" + s("meta.cpu")
                + "), " + s("meta.mem_gib") + " GiB memory, Linux " + s("meta.kernel") + "; nginx " + s("meta.nginx")
                + ", Java " + s("meta.java") + "; proxy `" + s("meta.proxy_jar") + "` at commit " + s("meta.commit")
                + ", run with `" + s("meta.proxy_opts") + "`. Load average " + s("meta.load_at_start") + " at the start, "
                + s("meta.load_at_end") + " at the end; the run took " + s("meta.seconds") + " s."
                + ("1".equals(s("meta.quick")) ? " **Quick smoke run: short durations, not figures to keep.**" : ""));
        line("Everything (load generator, proxy, nginx, stubs) shares those cores on 127.0.0.0/8; each row says who used the CPU.");
        line("");
        whep();
        netty();
        ws();
        hls();
        jmhTable();
        targets();
        beforeAfter();
        if (jfrDir != null) {
            for (String name : List.of("whep-keepalive", "whep-new", "whep-netty-keepalive", "ws", "ws-netty")) {
                Path md = Path.of(jfrDir, name + ".md");
                if (Files.exists(md)) {
                    line("<details><summary>JFR profile of the proxy, " + name + " (this run)</summary>\n");
                    out.append(Files.readString(md));
                    line("\n</details>\n");
                }
            }
        }
    }

    private static final String[] MODES = {"keepalive", "new", "resumed"};
    private static final Map<String, String> MODE_NAMES = new LinkedHashMap<>();

    static {
        MODE_NAMES.put("keepalive", "keep-alive (64 conns)");
        MODE_NAMES.put("new", "new TLS conn per cycle (full handshake)");
        MODE_NAMES.put("resumed", "new TLS conn per cycle (resumed session)");
    }

    private double cpuPerCycle(String key, String who) {
        double cpu = d(key + ".cpu." + who);
        double cps = d(key + ".cps");
        return cps > 0 ? cpu / 100.0 * 1e6 / cps : Double.NaN;
    }

    private void whep() {
        if (s("whep.sat.keepalive.nginx.cps") == null && s("whep.sat.keepalive.proxy.cps") == null) {
            return;
        }
        line("### WHEP signalling cycles (OPTIONS + POST 5 KB SDP + PATCH + DELETE)");
        line("");
        line("Saturation, closed loop (64 cycles in flight):");
        line("");
        line("| connections | direct to stub, cycles/s | nginx, cycles/s | proxy, cycles/s | proxy ÷ nginx | CPU per cycle nginx / proxy | TLS resumed nginx / proxy | errors nginx / proxy | load generator CPU |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String m : MODES) {
            String k = "whep.sat." + m + ".";
            if (s(k + "nginx.cps") == null && s(k + "proxy.cps") == null) {
                continue;
            }
            double n = d(k + "nginx.cps");
            double px = d(k + "proxy.cps");
            line("| " + MODE_NAMES.get(m) + " | " + f(d(k + "direct.cps"), 0) + " | " + f(n, 0) + " | " + f(px, 0) + " | "
                    + f(px / n, 2) + " | " + f(cpuPerCycle(k + "nginx", "nginx"), 0) + " / "
                    + f(cpuPerCycle(k + "proxy", "proxy"), 0) + " µs | "
                    + resumed(k + "nginx") + " / " + resumed(k + "proxy") + " | "
                    + errs(k + "nginx") + " / " + errs(k + "proxy") + " | "
                    + f(d(k + "nginx.cpu.loadgen"), 0) + "% / " + f(d(k + "proxy.cpu.loadgen"), 0) + "% |");
        }
        line("");
        line("Latency at fixed offered rates (open loop, each cycle timed from its scheduled start: no coordinated omission). "
                + "Per request, in ms; *added* = through nginx or the proxy minus straight to the stub at the same rate:");
        line("");
        line("| connections | offered cycles/s (% of nginx max) | direct p50 / p99 / p99.9 | nginx added p50 / p99 / p99.9 | proxy added p50 / p99 / p99.9 | achieved cycles/s nginx / proxy | proxy CPU |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String m : MODES) {
            for (String pct : new String[] {"25", "50", "75"}) {
                String k = "whep.rate." + m + "." + pct + ".";
                if (s(k + "proxy.cps") == null && s(k + "nginx.cps") == null) {
                    continue;
                }
                line("| " + MODE_NAMES.get(m) + " | " + f(d(k + "nginx.rate.offered"), 0) + " (" + pct + "%) | "
                        + triple(k + "direct", null) + " | " + triple(k + "nginx", k + "direct") + " | "
                        + triple(k + "proxy", k + "direct") + " | " + f(d(k + "nginx.cps"), 0) + " / "
                        + f(d(k + "proxy.cps"), 0) + incomplete(k + "proxy") + " | " + f(d(k + "proxy.cpu.proxy"), 0) + "% |");
            }
        }
        String hp = "whep.rate.keepalive.half_proxy.";
        if (s(hp + "proxy.cps") != null) {
            line("| keep-alive (64 conns), at half the proxy's own maximum | " + f(d(hp + "proxy.rate.offered"), 0) + " | "
                    + triple(hp + "direct", null) + " | " + triple(hp + "nginx", hp + "direct") + " | "
                    + triple(hp + "proxy", hp + "direct") + " | " + f(d(hp + "nginx.cps"), 0) + " / "
                    + f(d(hp + "proxy.cps"), 0) + incomplete(hp + "proxy") + " | " + f(d(hp + "proxy.cpu.proxy"), 0) + "% |");
        }
        line("");
    }

    /** The Netty listener of the same proxy process (standalone.netty.port beside Tomcat), beside nginx. */
    private void netty() {
        if (s("whep.sat.keepalive.netty.cps") == null) {
            return;
        }
        line("The Netty listener (the standalone default), here beside Tomcat in the same proxy process (`standalone.netty.port`: epoll, BoringSSL, one event loop per "
                + "core for both legs), same runs, interleaved with the targets above:");
        line("");
        line("| connections | nginx, cycles/s | Netty listener, cycles/s | Netty ÷ nginx | Tomcat proxy ÷ nginx | CPU per cycle nginx / Netty | TLS resumed nginx / Netty | errors Netty | load generator CPU nginx / Netty |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String m : MODES) {
            String k = "whep.sat." + m + ".";
            if (s(k + "netty.cps") == null) {
                continue;
            }
            double n = d(k + "nginx.cps");
            line("| " + MODE_NAMES.get(m) + " | " + f(n, 0) + " | " + f(d(k + "netty.cps"), 0) + " | "
                    + f(d(k + "netty.cps") / n, 2) + " | " + f(d(k + "proxy.cps") / n, 2) + " | "
                    + f(cpuPerCycle(k + "nginx", "nginx"), 0) + " / " + f(cpuPerCycle(k + "netty", "proxy"), 0) + " µs | "
                    + resumed(k + "nginx") + " / " + resumed(k + "netty") + " | " + errs(k + "netty") + " | "
                    + f(d(k + "nginx.cpu.loadgen"), 0) + "% / " + f(d(k + "netty.cpu.loadgen"), 0) + "% |");
        }
        line("");
        line("| connections | offered cycles/s (% of nginx max) | nginx added p50 / p99 / p99.9 | Netty added p50 / p99 / p99.9 | achieved cycles/s nginx / Netty | proxy CPU |");
        line("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (String m : MODES) {
            for (String pct : new String[] {"25", "50", "75"}) {
                String k = "whep.rate." + m + "." + pct + ".";
                if (s(k + "netty.cps") == null) {
                    continue;
                }
                line("| " + MODE_NAMES.get(m) + " | " + f(d(k + "nginx.rate.offered"), 0) + " (" + pct + "%) | "
                        + triple(k + "nginx", k + "direct") + " | " + triple(k + "netty", k + "direct") + " | "
                        + f(d(k + "nginx.cps"), 0) + " / " + f(d(k + "netty.cps"), 0) + incomplete(k + "netty") + " | "
                        + f(d(k + "netty.cpu.proxy"), 0) + "% |");
            }
        }
        line("");
    }

    private String incomplete(String k) {
        double inc = d(k + ".incomplete") + d(k + ".errors");
        return inc > 0 ? " (" + f(inc, 0) + " incomplete/failed)" : "";
    }

    private String errs(String k) {
        double e = d(k + ".errors") + d(k + ".bad_status") + d(k + ".incomplete");
        return f(e, 0);
    }

    private String resumed(String k) {
        double h = d(k + ".tls.handshakes");
        double r = d(k + ".tls.resumed");
        return h > 0 ? f(100 * r / h, 0) + "%" : "–";
    }

    private String triple(String k, String base) {
        if (d(k + ".req.count") == 0) {
            return "none completed";
        }
        String[] ps = {"p50", "p99", "p999"};
        List<String> parts = new ArrayList<>();
        for (String q : ps) {
            double v = d(k + ".req." + q);
            if (base != null) {
                v -= d(base + ".req." + q);
            }
            parts.add(ms(v));
        }
        return String.join(" / ", parts);
    }

    private void ws() {
        if (s("ws.proxy.sessions") == null && s("ws.nginx.sessions") == null) {
            return;
        }
        line("### WebSocket relay (wss to the proxy or nginx, ws on to the echo node)");
        line("");
        String last = lastStep();
        line("Memory per session at " + last + " sessions (both legs open, TLS on the client leg), as the change from "
                + "before the first session; then 200-byte text messages echoed by the node at a fixed " + f(d("ws.proxy.msg.rate"), 0) + " msg/s over all "
                + "sessions (round trip timed from the scheduled send), and the saturation throughput with one message in "
                + "flight on each of 1,000 sessions:");
        line("");
        line("| path | sessions open | opened per s | heap used | direct buffers | heap + direct | process RSS | RssAnon | RTT p50 / p99 / p99.9 (ms) | added p99 | lost | relay saturation, echoes/s (p99) |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String t : new String[] {"direct", "nginx", "proxy", "netty"}) {
            String k = "ws." + t + ".";
            if (s(k + "sessions") == null) {
                continue;
            }
            String step = k + "step." + last + ".";
            double opened = d(step + "open");
            double secs = d(step + "open_seconds");
            line("| " + (t.equals("direct") ? "direct to echo node (ws)" : t.equals("proxy") ? "proxy (Tomcat)"
                    : t.equals("netty") ? "proxy (Netty listener)" : t) + " | " + f(d(k + "sessions"), 0)
                    + (d(k + "failed") > 0 ? " (" + f(d(k + "failed"), 0) + " failed)" : "") + " | "
                    + f(opened / secs, 0) + " | " + kb(d(step + "per_session.heap")) + " | "
                    + kb(d(step + "per_session.direct")) + " | " + kb(d(step + "per_session.heap_direct")) + " | "
                    + kb(d(step + "per_session.rss")) + " | " + kb(d(step + "per_session.rssanon")) + " | "
                    + ms(d(k + "msg.rtt.p50")) + " / " + ms(d(k + "msg.rtt.p99")) + " / " + ms(d(k + "msg.rtt.p999")) + " | "
                    + (t.equals("direct") ? "–" : ms(d(k + "msg.rtt.p99") - d("ws.direct.msg.rtt.p99")) + " ms") + " | "
                    + f(d(k + "msg.lost"), 0) + " | " + f(d(k + "sat.echoes_per_s"), 0) + " (" + ms(d(k + "sat.rtt.p99")) + " ms) |");
        }
        line("");
        StringBuilder steps = new StringBuilder("Per-session memory by step (heap + direct for the proxy, RssAnon for nginx): ");
        for (String t : new String[] {"nginx", "proxy", "netty"}) {
            if (s("ws." + t + ".sessions") == null) {
                continue;
            }
            steps.append(t).append(' ');
            for (String st : p.stringPropertyNames().stream().filter(x -> x.startsWith("ws." + t + ".step.")
                    && x.endsWith(".open")).map(x -> x.split("\\.")[3]).sorted((x, y) -> Integer.compare(
                    Integer.parseInt(x), Integer.parseInt(y))).toList()) {
                String key = "ws." + t + ".step." + st + ".per_session." + (t.equals("nginx") ? "rssanon" : "heap_direct");
                steps.append(st).append(": ").append(kb(d(key))).append("; ");
            }
        }
        line(steps.toString().replaceAll("; $", "."));
        line("");
    }

    private String lastStep() {
        int best = 0;
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("ws.") && k.contains(".step.") && k.endsWith(".open")) {
                best = Math.max(best, Integer.parseInt(k.split("\\.")[3]));
            }
        }
        return String.valueOf(best);
    }

    private void hls() {
        if (s("hls.proxy.live.MBps") == null && s("hls.nginx.live.MBps") == null) {
            return;
        }
        line("### HLS: one live stream (2 s segments of 250 kB, 5 in the playlist), " + f(d("hls.proxy.live.viewers_connected"), 0)
                + " viewers over TLS");
        line("");
        line("Live: players reload the playlist and fetch each new segment (real-time demand " + f(d("hls.proxy.live.demand_MBps"), 0)
                + " MB/s). Burst: every player fetches the cached window back to back (egress at saturation). Upstream: "
                + "requests the stub node saw, per segment, from its access log:");
        line("");
        line("| path | live MB/s | live req/s | segment fetch p50 / p99 (ms) | burst MB/s | burst req/s | CPU live / burst | upstream fetches per segment mean / max | segments fetched more than once | playlist fetches upstream | errors |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String t : new String[] {"nginx", "proxy", "netty"}) {
            String k = "hls." + t + ".";
            String cpu = t.equals("netty") ? "proxy" : t; // the Netty listener is the proxy's own process
            if (s(k + "live.MBps") == null) {
                continue;
            }
            line("| " + (t.equals("nginx") ? "nginx (proxy_cache + proxy_cache_lock)" : t.equals("proxy")
                    ? "proxy, Tomcat (shared cache)" : "proxy, Netty listener (shared cache)") + " | "
                    + f(d(k + "live.MBps"), 1) + " | " + f(d(k + "live.rps"), 0) + " | "
                    + ms(d(k + "live.segment_fetch.p50")) + " / " + ms(d(k + "live.segment_fetch.p99")) + " | "
                    + f(d(k + "burst.MBps"), 0) + " | " + f(d(k + "burst.rps"), 0) + " | "
                    + f(d(k + "cpu." + cpu), 0) + "% / " + f(d(k + "burst.cpu." + cpu), 0) + "% | "
                    + f(d(k + "upstream.fetches_per_segment.mean"), 2) + " / " + f(d(k + "upstream.fetches_per_segment.max"), 0)
                    + " (of " + f(d(k + "upstream.segments_fetched"), 0) + ") | "
                    + f(d(k + "upstream.segments_fetched_more_than_once"), 0) + " | " + f(d(k + "upstream.playlist_requests"), 0)
                    + " | " + f(d(k + "live.errors") + d(k + "burst.errors"), 0) + " |");
        }
        line("");
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "–" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    /** The cluster store's cost: the same proxy with cluster.store=memory and =redis, measured in the same run. */
    private void storeTable(String command) {
        line("Measured " + s("meta.date") + " by `" + command + "` on " + s("meta.cores") + " cores (" + s("meta.cpu")
                + "), Linux " + s("meta.kernel") + ", Java " + s("meta.java") + ", redis-server " + s("meta.redis")
                + "; proxy `" + s("meta.proxy_jar") + "` at commit " + s("meta.commit") + ". Load average "
                + s("meta.load_at_start") + " at the start, " + s("meta.load_at_end") + " at the end."
                + ("1".equals(s("meta.quick")) ? " **Quick smoke run: short durations, not figures to keep.**" : ""));
        line("Both proxies, redis-server and the load generator share those cores; the ratios are the figures to read.");
        line("");
        line("Each figure is the mean of two rounds run in opposite orders (memory, redis, redis, memory); the two "
                + "rounds in brackets. CPU and errors: both rounds together.");
        line("");
        line("| measure | memory | redis | redis ÷ memory | CPU proxy memory / redis, redis-server | errors memory / redis |");
        line("| --- | ---: | ---: | ---: | ---: | ---: |");
        String[][] rows = {
            {"hb", "heartbeats/s (closed loop, 64 in flight)", "cps"},
            {"whep", "WHEP cycles/s (keep-alive, 64 in flight)", "cps"},
            {"sel", "selection latency p50 (ms) at " + f(d("store.sel.memory.r1.rate.offered"), 0)
                    + "/s, 100 heartbeats/s alongside", "req.p50"},
            {"sel", "selection latency p99 (ms), the same runs", "req.p99"}};
        for (String[] row : rows) {
            String m = "store." + row[0] + ".memory.";
            String r = "store." + row[0] + ".redis.";
            if (s(m + "r1." + row[2]) == null && s(r + "r1." + row[2]) == null) {
                continue;
            }
            boolean rate = row[2].equals("cps");
            boolean first = !row[2].equals("req.p99");
            line("| " + row[1] + " | " + rounds(m, row[2], rate) + " | " + rounds(r, row[2], rate) + " | "
                    + ratio(mean(r, row[2]), mean(m, row[2])) + " | " + (first ? cpu(m, r) : "") + " | "
                    + (first ? errors(m) + " / " + errors(r) : "") + " |");
        }
        double cmds = d("store.hb.redis.r1.redis_commands") + d("store.hb.redis.r2.redis_commands");
        double hbs = d("store.hb.redis.r1.cycles") + d("store.hb.redis.r2.cycles");
        if (!Double.isNaN(cmds) && hbs > 0) {
            line("");
            line("redis-server processed " + f(cmds, 0) + " commands during the two redis heartbeat runs ("
                    + f(cmds / hbs, 2) + " per heartbeat measured; warm-up and drain included).");
        }
        line("");
    }

    private double mean(String k, String what) {
        return (d(k + "r1." + what) + d(k + "r2." + what)) / 2;
    }

    private String rounds(String k, String what, boolean rate) {
        double a = d(k + "r1." + what);
        double b = d(k + "r2." + what);
        return rate ? f((a + b) / 2, 0) + " (" + f(a, 0) + " / " + f(b, 0) + ")"
                : ms((a + b) / 2) + " (" + ms(a) + " / " + ms(b) + ")";
    }

    private String cpu(String m, String r) {
        return f(mean(m, "cpu.proxy"), 0) + "% / " + f(mean(r, "cpu.redisproxy"), 0) + "%, " + f(mean(r, "cpu.redis"), 0) + "%";
    }

    private String errors(String k) {
        double n = 0;
        for (String round : new String[] {"r1.", "r2."}) {
            n += d(k + round + "errors") + d(k + round + "bad_status") + d(k + round + "incomplete");
        }
        return f(n, 0);
    }

    private void jmhTable() {
        List<String> keys = p.stringPropertyNames().stream().filter(k -> k.startsWith("jmh.") && k.endsWith(".select.score"))
                .sorted().toList();
        if (keys.isEmpty()) {
            return;
        }
        line("### Node selection (JMH, 10,000 nodes, 100,000 streams; one thread selects while another applies heartbeats)");
        line("");
        line("| choice | shuffleSizeExpression | selection, µs/op | heartbeat alongside, µs/op |");
        line("| --- | --- | ---: | ---: |");
        for (String k : keys) {
            String base = k.substring(0, k.length() - ".select.score".length());
            String[] parts = base.split("\\|");
            line("| " + parts[0].substring(4) + " | `" + parts[1] + "` | " + f(d(base + ".select.score"), 3) + " ± "
                    + f(d(base + ".select.error"), 3) + " | " + f(d(base + ".heartbeat.score"), 1) + " |");
        }
        line("");
    }

    private void targets() {
        line("### Against the targets");
        line("");
        line("| target | measured | met |");
        line("| --- | --- | --- |");
        double ratio = d("whep.sat.keepalive.proxy.cps") / d("whep.sat.keepalive.nginx.cps");
        if (!Double.isNaN(ratio)) {
            line("| WHEP cycles/s at least nginx's | keep-alive " + f(ratio, 2) + "× nginx; new TLS "
                    + f(d("whep.sat.new.proxy.cps") / d("whep.sat.new.nginx.cps"), 2) + "×; resumed "
                    + f(d("whep.sat.resumed.proxy.cps") / d("whep.sat.resumed.nginx.cps"), 2) + "× | "
                    + (ratio >= 1 ? "yes" : "no") + " |");
        }
        double added = d("whep.rate.keepalive.50.proxy.req.p99") - d("whep.rate.keepalive.50.direct.req.p99");
        if (!Double.isNaN(added)) {
            double half = d("whep.rate.keepalive.half_proxy.proxy.req.p99") - d("whep.rate.keepalive.half_proxy.direct.req.p99");
            line("| added p99 at 50% load under 2 ms | at 50% of nginx's max " + ms(added) + " ms (nginx: "
                    + ms(d("whep.rate.keepalive.50.nginx.req.p99") - d("whep.rate.keepalive.50.direct.req.p99")) + " ms)"
                    + (Double.isNaN(half) ? "" : "; at 50% of the proxy's own max " + ms(half) + " ms (nginx at that rate: "
                    + ms(d("whep.rate.keepalive.half_proxy.nginx.req.p99") - d("whep.rate.keepalive.half_proxy.direct.req.p99"))
                    + " ms)") + " | " + (added < 2 ? "yes" : "no") + " |");
        }
        String last = lastStep();
        double px = d("ws.proxy.step." + last + ".per_session.heap_direct");
        double ng = d("ws.nginx.step." + last + ".per_session.rssanon");
        if (!Double.isNaN(px)) {
            boolean ok = px <= 0.7 * ng && px <= 32 * 1024;
            line("| WebSocket memory per session ≤ 0.7× nginx's and ≤ 32 KiB | proxy " + kb(px) + " heap + direct ("
                    + kb(d("ws.proxy.step." + last + ".per_session.rss")) + " RSS); nginx " + kb(ng) + " RssAnon; ratio "
                    + f(px / ng, 2) + " | " + (ok ? "yes" : "no") + " |");
        }
        double nx = d("ws.netty.step." + last + ".per_session.heap_direct");
        if (!Double.isNaN(nx)) {
            boolean ok = nx <= 0.7 * ng && nx <= 32 * 1024;
            line("| the same, Netty listener | " + kb(nx) + " heap + direct (" + kb(d("ws.netty.step." + last
                    + ".per_session.rss")) + " RSS); ratio " + f(nx / ng, 2) + " | " + (ok ? "yes" : "no") + " |");
        }
        double wsSat = d("ws.netty.sat.echoes_per_s") / d("ws.nginx.sat.echoes_per_s");
        if (!Double.isNaN(wsSat)) {
            line("| WebSocket relay saturation at least nginx's | Netty " + f(wsSat, 2) + "× nginx; Tomcat "
                    + f(d("ws.proxy.sat.echoes_per_s") / d("ws.nginx.sat.echoes_per_s"), 2) + "× | "
                    + (wsSat >= 1 ? "yes" : "no") + " |");
        }
        double hlsBurst = d("hls.netty.burst.MBps") / d("hls.nginx.burst.MBps");
        if (!Double.isNaN(hlsBurst)) {
            line("| HLS burst egress at least nginx's | Netty " + f(hlsBurst, 2) + "× nginx; Tomcat "
                    + f(d("hls.proxy.burst.MBps") / d("hls.nginx.burst.MBps"), 2) + "× | "
                    + (hlsBurst >= 1 ? "yes" : "no") + " |");
        }
        double nettyWhep = d("whep.sat.keepalive.netty.cps") / d("whep.sat.keepalive.nginx.cps");
        if (!Double.isNaN(nettyWhep)) {
            line("| WHEP cycles/s at least nginx's, Netty listener | keep-alive " + f(nettyWhep, 2) + "× nginx; new TLS "
                    + f(d("whep.sat.new.netty.cps") / d("whep.sat.new.nginx.cps"), 2) + "×; resumed "
                    + f(d("whep.sat.resumed.netty.cps") / d("whep.sat.resumed.nginx.cps"), 2) + "× | "
                    + (nettyWhep >= 1 ? "yes" : "no") + " |");
        }
        double max = d("hls.proxy.upstream.fetches_per_segment.max");
        if (!Double.isNaN(max)) {
            line("| exactly one upstream fetch per HLS segment | proxy max " + f(max, 0) + ", mean "
                    + f(d("hls.proxy.upstream.fetches_per_segment.mean"), 2) + " (nginx max "
                    + f(d("hls.nginx.upstream.fetches_per_segment.max"), 0) + ") | " + (max == 1 ? "yes" : "no") + " |");
        }
        List<String> sel = p.stringPropertyNames().stream().filter(k -> k.startsWith("jmh.") && k.endsWith(".select.score"))
                .sorted().toList();
        if (!sel.isEmpty()) {
            StringBuilder m = new StringBuilder();
            boolean ok = true;
            for (String k : sel) {
                double v = d(k);
                ok &= v < 2;
                String base = k.substring(4, k.length() - ".select.score".length());
                m.append(base.replace("|", " `")).append("`: ").append(f(v, 2)).append(" µs; ");
            }
            line("| selection under 2 µs | " + m.toString().replaceAll("; $", "") + " | " + (ok ? "yes" : "no") + " |");
        }
        line("");
    }

    private void beforeAfter() {
        if (s("meta.before_jar") == null) {
            return;
        }
        line("### Before and after the fixes (same run, side by side)");
        line("");
        line("*Before*: `" + s("meta.before_jar") + "`; *after*: `" + s("meta.proxy_jar")
                + "`; both started the same way and warmed up the same way, measured interleaved.");
        line("");
        line("| measure | before | after | nginx |");
        line("| --- | ---: | ---: | ---: |");
        for (String m : MODES) {
            String k = "whep.sat." + m + ".";
            if (s(k + "before.cps") != null) {
                line("| WHEP cycles/s, " + MODE_NAMES.get(m) + " | " + f(d(k + "before.cps"), 0) + " | "
                        + f(d(k + "proxy.cps"), 0) + " | " + f(d(k + "nginx.cps"), 0) + " |");
                line("| CPU per cycle, " + MODE_NAMES.get(m) + " | " + f(cpuPerCycle(k + "before", "before"), 0) + " µs | "
                        + f(cpuPerCycle(k + "proxy", "proxy"), 0) + " µs | " + f(cpuPerCycle(k + "nginx", "nginx"), 0) + " µs |");
            }
        }
        for (String pct : new String[] {"25", "50", "75"}) {
            String k = "whep.rate.keepalive." + pct + ".";
            if (s(k + "before.cps") != null) {
                line("| WHEP keep-alive at " + pct + "% of nginx's max: achieved cycles/s, added p50 / p99 (ms) | "
                        + f(d(k + "before.cps"), 0) + "; " + (d(k + "before.req.count") == 0 ? "none completed"
                        : ms(d(k + "before.req.p50") - d(k + "direct.req.p50")) + " / "
                        + ms(d(k + "before.req.p99") - d(k + "direct.req.p99"))) + " | "
                        + f(d(k + "proxy.cps"), 0) + "; " + ms(d(k + "proxy.req.p50") - d(k + "direct.req.p50")) + " / "
                        + ms(d(k + "proxy.req.p99") - d(k + "direct.req.p99")) + " | "
                        + f(d(k + "nginx.cps"), 0) + "; " + ms(d(k + "nginx.req.p50") - d(k + "direct.req.p50")) + " / "
                        + ms(d(k + "nginx.req.p99") - d(k + "direct.req.p99")) + " |");
            }
        }
        String last = lastStep();
        if (s("ws.before.sessions") != null) {
            String b = "ws.before.step." + last + ".per_session.";
            String a = "ws.proxy.step." + last + ".per_session.";
            line("| WebSocket memory per session at " + last + ", heap + direct (RSS) | " + kb(d(b + "heap_direct")) + " ("
                    + kb(d(b + "rss")) + ") | " + kb(d(a + "heap_direct")) + " (" + kb(d(a + "rss")) + ") | "
                    + kb(d("ws.nginx.step." + last + ".per_session.rssanon")) + " RssAnon |");
            line("| WebSocket RTT p99 at " + f(d("ws.proxy.msg.rate"), 0) + " msg/s | " + ms(d("ws.before.msg.rtt.p99")) + " ms | " + ms(d("ws.proxy.msg.rtt.p99"))
                    + " ms | " + ms(d("ws.nginx.msg.rtt.p99")) + " ms |");
            line("| WebSocket relay saturation, echoes/s | " + f(d("ws.before.sat.echoes_per_s"), 0) + " | "
                    + f(d("ws.proxy.sat.echoes_per_s"), 0) + " | " + f(d("ws.nginx.sat.echoes_per_s"), 0) + " |");
        }
        for (String k : p.stringPropertyNames().stream().filter(x -> x.startsWith("jmh.") && x.endsWith(".select.score"))
                .sorted().toList()) {
            String base = k.substring(4, k.length() - ".select.score".length());
            String before = "jmhbefore." + base;
            if (s(before + ".select.score") != null) {
                String[] parts = base.split("\\|");
                line("| selection, " + parts[0] + " `" + parts[1] + "` (µs/op; heartbeat alongside) | "
                        + f(d(before + ".select.score"), 2) + " (" + f(d(before + ".heartbeat.score"), 0) + ") | "
                        + f(d(k), 2) + " (" + f(d("jmh." + base + ".heartbeat.score"), 0) + ") | – |");
            }
        }
        line("");
    }

    // ---- JMH JSON ---------------------------------------------------------------------------------------------------

    static void jmh(Path json, String results, String prefix) throws IOException {
        Object root = new Json(Files.readString(json)).value();
        StringBuilder lines = new StringBuilder();
        for (Object o : (List<?>) root) {
            Map<?, ?> b = (Map<?, ?>) o;
            String name = (String) b.get("benchmark");
            String group = name.substring(name.lastIndexOf('.') + 1);
            Map<?, ?> params = (Map<?, ?>) b.get("params");
            String shuffle = params == null ? "" : String.valueOf(params.get("shuffle"));
            String key = prefix + "." + group + "|" + shuffle;
            Map<?, ?> secondary = (Map<?, ?>) b.get("secondaryMetrics");
            for (Map.Entry<?, ?> e : secondary.entrySet()) {
                String metric = (String) e.getKey();
                Map<?, ?> m = (Map<?, ?>) e.getValue();
                String kind = metric.toLowerCase(Locale.ROOT).contains("heartbeat") ? "heartbeat" : "select";
                lines.append(key).append('.').append(kind).append(".score=").append(m.get("score")).append('\n');
                Object err = m.get("scoreError");
                lines.append(key).append('.').append(kind).append(".error=")
                        .append(err instanceof Double && !((Double) err).isNaN() ? err : 0).append('\n');
            }
        }
        Files.writeString(Path.of(results), lines.toString().replace(" ", "\\u0020").replace("*", "\\u002a"),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Just enough JSON for JMH's result file. */
    static final class Json {
        private final String t;
        private int i;

        Json(String text) {
            this.t = text;
        }

        Object value() {
            ws();
            char c = t.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (t.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = (String) value();
                    ws();
                    i++; // :
                    m.put(k, value());
                    ws();
                    if (t.charAt(i++) == '}') {
                        return m;
                    }
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (t.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (t.charAt(i++) == ']') {
                        return l;
                    }
                }
            }
            if (c == '"') {
                StringBuilder s = new StringBuilder();
                i++;
                while (t.charAt(i) != '"') {
                    if (t.charAt(i) == '\\') {
                        i++;
                        char e = t.charAt(i);
                        s.append(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'u' ? (char) Integer.parseInt(t.substring(i + 1, i + 5), 16) : e);
                        if (e == 'u') {
                            i += 4;
                        }
                    } else {
                        s.append(t.charAt(i));
                    }
                    i++;
                }
                i++;
                return s.toString();
            }
            int start = i;
            while (i < t.length() && ",}] \n\r\t".indexOf(t.charAt(i)) < 0) {
                i++;
            }
            String word = t.substring(start, i);
            switch (word) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                case "null": return null;
                case "NaN": return Double.NaN;
                default: return Double.parseDouble(word);
            }
        }

        private void ws() {
            while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
        }
    }
}
