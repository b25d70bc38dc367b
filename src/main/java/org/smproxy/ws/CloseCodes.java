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

    public static String trim(String reason) {
        if (reason == null) {
            return "";
        }
        return reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
    }
}
