package smbench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of named process trees from /proc (utime+stime, clock ticks of 10 ms), so each run says who used the
 * two cores: the proxy under test, the stub, the load generator. {@code --cpu name=pid,name=pid}; a pid's children
 * (nginx workers) are included.
 */
final class CpuProbe {
    private final Map<String, Long> pids = new LinkedHashMap<>();
    private Map<String, Long> start;
    private long startNanos;

    CpuProbe(List<String> spec) {
        for (String s : spec) {
            int eq = s.indexOf('=');
            pids.put(s.substring(0, eq), Long.parseLong(s.substring(eq + 1)));
        }
        pids.put("loadgen", ProcessHandle.current().pid());
    }

    void begin() {
        start = sample();
        startNanos = System.nanoTime();
    }

    /** Percent of one core used by each process tree since {@link #begin()}. */
    Map<String, Double> end() {
        Map<String, Long> now = sample();
        double secs = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> pct = new LinkedHashMap<>();
        for (String k : now.keySet()) {
            long d = now.get(k) - start.getOrDefault(k, 0L);
            pct.put(k, d / 100.0 / secs * 100.0);
        }
        pct.put("machine", machineBusy(secs));
        return pct;
    }

    private long[] machineStart;

    private double machineBusy(double secs) {
        long[] t = machineTicks();
        if (machineStart == null || t == null) {
            return -1;
        }
        return (t[0] - machineStart[0]) / 100.0 / secs * 100.0;
    }

    private static long[] machineTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return new long[] {busy};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private Map<String, Long> sample() {
        machineStart = start == null ? machineTicks() : machineStart;
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            long total = ticks(e.getValue());
            for (long child : children(e.getValue())) {
                total += ticks(child);
            }
            out.put(e.getKey(), total);
        }
        return out;
    }

    static long ticks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static List<Long> children(long pid) {
        List<Long> kids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                try {
                    String s = Files.readString(p.resolve("stat"));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(f[1]) == pid) {
                        kids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: no children
        }
        return kids;
    }

    void put(Results r, Map<String, Double> pct) {
        pct.forEach((k, v) -> r.put("cpu." + k, v));
    }
}
