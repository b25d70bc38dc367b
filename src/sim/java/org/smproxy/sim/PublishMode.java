package org.smproxy.sim;

import java.util.Locale;

/** Red5's publish modes: the WHIP POST's {@code mode} parameter, the WebSocket {@code publish} message's {@code mode}. */
enum PublishMode {
    LIVE, RECORD, APPEND;

    /** Red5 treats anything it does not know, or nothing, as live. */
    static PublishMode parse(String value) {
        if (value == null) {
            return LIVE;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "record" -> RECORD;
            case "append" -> APPEND;
            default -> LIVE;
        };
    }
}
