package org.smproxy.http;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * A relay's log line with its request's fields beside the message, as MDC entries a JSON encoder writes as fields
 * and the text pattern shows as {@code [requestId]}: the request id (the client's {@code X-Request-Id} when it is a
 * sane one, else a new one; it also goes to the node and back to the client), method, path with tokens redacted,
 * node, status and duration. Nothing secret goes in: no query, no header values, no body.
 */
public final class RelayLog {
    public static final String HEADER = "X-Request-Id";
    /** Fields a JSON encoder writes as numbers. */
    public static final Set<String> NUMERIC = Set.of("status", "durationMs");
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public enum Level { DEBUG, INFO, WARN }

    private RelayLog() {
    }

    /**
     * The client's request id when it may be logged and forwarded as it is, else a new random one: on every relayed
     * request, so from the thread's own generator (an id correlates lines; it guards nothing, so need not be secure).
     */
    public static String requestId(HttpIn in) {
        String given = in.header(HEADER);
        if (given != null && SANE_ID.matcher(given).matches()) {
            return given;
        }
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** The path with every segment shaped like a session or HLS token replaced by {@code <token>}. */
    public static String redact(String path) {
        if (path == null || path.indexOf("eyJ") < 0) {
            return path;
        }
        String[] parts = path.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].startsWith("eyJ") && (RouteTokens.looksLikeToken(parts[i]) || parts[i].indexOf('.') > 0)) {
                parts[i] = "<token>";
            }
        }
        return String.join("/", parts);
    }

    /**
     * @param node   the node's id, or null before one was chosen
     * @param status the status the client got, or 0 when not yet known
     */
    public static void log(Logger log, Level level, String requestId, HttpIn in, String node, int status,
                           long durationMs, String message, Object... args) {
        boolean on = switch (level) {
            case DEBUG -> log.isDebugEnabled();
            case INFO -> log.isInfoEnabled();
            case WARN -> log.isWarnEnabled();
        };
        if (!on) {
            return;
        }
        try {
            MDC.put("requestId", requestId);
            MDC.put("method", in.method());
            MDC.put("path", redact(in.path()));
            if (node != null) {
                MDC.put("node", node);
            }
            if (status > 0) {
                MDC.put("status", String.valueOf(status));
            }
            MDC.put("durationMs", String.valueOf(durationMs));
            switch (level) {
                case DEBUG -> log.debug(message, args);
                case INFO -> log.info(message, args);
                case WARN -> log.warn(message, args);
            }
        } finally {
            MDC.remove("requestId");
            MDC.remove("method");
            MDC.remove("path");
            MDC.remove("node");
            MDC.remove("status");
            MDC.remove("durationMs");
        }
    }
}
