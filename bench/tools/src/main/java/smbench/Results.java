package smbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/** Appends {@code key=value} lines to the run's results file (and echoes them), for {@link Report}. */
final class Results {
    private final Path file;
    private final String prefix;
    private final StringBuilder pending = new StringBuilder();

    Results(String file, String prefix) {
        this.file = file == null ? null : Path.of(file);
        this.prefix = prefix;
    }

    Results put(String key, Object value) {
        String v = value instanceof Double || value instanceof Float
                ? String.format(Locale.ROOT, "%.3f", ((Number) value).doubleValue()) : String.valueOf(value);
        pending.append(prefix).append('.').append(key).append('=').append(v).append('\n');
        return this;
    }

    /** p50/p90/p99/p99.9/max of a histogram recorded in microseconds, written in milliseconds. */
    Results latency(String key, Histogram h) {
        put(key + ".count", h.getTotalCount());
        put(key + ".p50", h.getValueAtPercentile(50) / 1000.0);
        put(key + ".p90", h.getValueAtPercentile(90) / 1000.0);
        put(key + ".p99", h.getValueAtPercentile(99) / 1000.0);
        put(key + ".p999", h.getValueAtPercentile(99.9) / 1000.0);
        put(key + ".max", h.getMaxValue() / 1000.0);
        return this;
    }

    void flush() throws IOException {
        System.out.print(pending);
        System.out.flush();
        if (file != null) {
            Files.writeString(file, pending.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        pending.setLength(0);
    }
}
