package org.smproxy.ws;

/** What may be sent in a WebSocket close frame, on either leg; the same rules on every server. */
public final class CloseCodes {
    /** Close reasons are capped at 123 bytes by the protocol; this leaves room for multi-byte characters' ends. */
    private static final int MAX_REASON = 120;

    private CloseCodes() {
    }

    /**
     * Codes that only describe a close (1005, 1006, 1015) cannot be sent; toward a node (the JDK client refuses
     * them, and a Red5 node has no use for them) the ones a server sends become 1001.
     */
    public static int sendable(int code, boolean toClient) {
        if (code == 1005 || code == 1006 || code == 1015 || code < 1000 || code > 4999) {
            return 1001;
        }
        if (!toClient && (code == 1002 || code == 1003 || code == 1007 || code == 1009 || code == 1010
                || code == 1012 || code == 1013 || code == 1014)) {
            return 1001;
        }
        return code;
    }

    /** The labels {@link #kind} answers, each a {@code reason} of {@code smproxy_ws_sessions_closed_total}. */
    public static final java.util.List<String> KINDS = java.util.List.of("normal", "going_away", "protocol", "policy",
            "too_big", "error", "abnormal", "application", "other");

    /** What a close code says, in few enough words to chart: never more than {@link #KINDS}. */
    public static String kind(int code) {
        return switch (code) {
            case 1000 -> "normal";
            case 1001 -> "going_away";
            case 1002, 1003, 1007, 1010 -> "protocol";
            case 1008 -> "policy";
            case 1009 -> "too_big";
            case 1011, 1012, 1013, 1014 -> "error";
            case 0, 1005, 1006, 1015 -> "abnormal";
            default -> code >= 4000 && code <= 4999 ? "application" : "other";
        };
    }

    public static String trim(String reason) {
        if (reason == null) {
            return "";
        }
        return reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
    }
}
