package smbench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of the proxy: CPU samples by the method on top of the stack (self time), by
 * component (the first frame that says which part of the stack is working: TLS, HTTP parsing, the relay, ...),
 * and allocation samples by allocating method. Written as a markdown fragment.
 */
final class JfrTop {
    private JfrTop() {
    }

    static void main(Args a) throws Exception {
        Path file = Path.of(a.need("jfr"));
        int top = a.integer("top", 15);
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> component = new HashMap<>();
        Map<String, Long> alloc = new HashMap<>();
        long samples = 0;
        long allocTotal = 0;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                if ("jdk.ExecutionSample".equals(type) || "jdk.NativeMethodSample".equals(type)) {
                    if (!"jdk.ExecutionSample".equals(type)) {
                        continue; // threads parked in native code are not using CPU
                    }
                    samples++;
                    self.merge(name(st.getFrames().get(0)), 1L, Long::sum);
                    component.merge(component(st.getFrames()), 1L, Long::sum);
                } else if ("jdk.ObjectAllocationSample".equals(type)) {
                    long w = e.getLong("weight");
                    allocTotal += w;
                    alloc.merge(allocSite(st.getFrames()), w, Long::sum);
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("CPU samples: ").append(samples).append("\n\n| self time, top method | share |\n| --- | --- |\n");
        for (Map.Entry<String, Long> e : sorted(self, top)) {
            out.append("| `").append(e.getKey()).append("` | ").append(pct(e.getValue(), samples)).append(" |\n");
        }
        out.append("\n| component (first telling frame) | share |\n| --- | --- |\n");
        for (Map.Entry<String, Long> e : sorted(component, top)) {
            out.append("| ").append(e.getKey()).append(" | ").append(pct(e.getValue(), samples)).append(" |\n");
        }
        if (allocTotal > 0) {
            out.append("\n| allocation (sampled weight), by site | share |\n| --- | --- |\n");
            for (Map.Entry<String, Long> e : sorted(alloc, top)) {
                out.append("| `").append(e.getKey()).append("` | ").append(pct(e.getValue(), allocTotal)).append(" |\n");
            }
        }
        if (a.str("out", null) != null) {
            Files.writeString(Path.of(a.str("out", null)), out.toString());
        }
        System.out.print(out);
    }

    private static String pct(long n, long total) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * n / Math.max(1, total));
    }

    private static List<Map.Entry<String, Long>> sorted(Map<String, Long> m, int top) {
        List<Map.Entry<String, Long>> l = new ArrayList<>(m.entrySet());
        l.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
        return l.subList(0, Math.min(top, l.size()));
    }

    private static String name(RecordedFrame f) {
        String c = f.getMethod().getType().getName();
        return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static String allocSite(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String c = f.getMethod().getType().getName();
            if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
                return name(f);
            }
        }
        return name(frames.get(0));
    }

    /** Classifies a stack by its deepest recognisable activity, scanning from the top. */
    private static String component(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String c = f.getMethod().getType().getName();
            String m = f.getMethod().getName();
            if (c.startsWith("sun.security.ssl") || c.startsWith("com.sun.crypto") || c.startsWith("sun.security.ec")
                    || c.startsWith("sun.security.util") || c.startsWith("javax.crypto")
                    || c.contains("SecureNioChannel") || c.startsWith("sun.security.provider")) {
                return "TLS (JSSE)";
            }
            if (c.startsWith("org.apache.tomcat.util.net.openssl") || c.startsWith("org.apache.tomcat.jni")) {
                return "TLS (OpenSSL)";
            }
            if (c.startsWith("jdk.internal.net.http")) {
                return "JDK HttpClient (node leg)";
            }
            if (c.startsWith("org.apache.tomcat.websocket")) {
                return "Tomcat WebSocket";
            }
            if (c.startsWith("org.apache.coyote") || c.startsWith("org.apache.tomcat.util.http")
                    || c.startsWith("org.apache.tomcat.util.buf")) {
                return "Tomcat HTTP (coyote)";
            }
            if (c.startsWith("org.apache.catalina")) {
                return "Tomcat servlet container";
            }
            if (c.startsWith("org.smproxy.shaded.io.micrometer") || c.startsWith("io.micrometer")) {
                return "metrics (micrometer)";
            }
            if (c.startsWith("org.smproxy")) {
                return "proxy code (" + c.substring("org.smproxy.".length()).replaceAll("\\..*", "") + ")";
            }
            if (c.startsWith("org.slf4j")) {
                return "logging";
            }
            if (c.startsWith("sun.nio.ch") || c.startsWith("java.nio") || c.startsWith("org.apache.tomcat.util.net")) {
                if (m.contains("read") || m.contains("write") || m.contains("poll") || m.contains("select")
                        || c.startsWith("sun.nio.ch")) {
                    continue; // keep looking for who asked
                }
            }
        }
        String c = frames.get(0).getMethod().getType().getName();
        if (c.startsWith("sun.nio.ch") || c.startsWith("java.nio") || c.startsWith("org.apache.tomcat.util.net")) {
            return "socket I/O (NIO)";
        }
        int dot = c.lastIndexOf('.');
        return "other (" + (dot < 0 ? c : c.substring(0, dot)) + ")";
    }
}
