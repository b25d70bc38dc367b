package org.smproxy.sim;

import java.util.Locale;

/** Red5 node roles as Stream Manager 2.0 names them, with the capabilities that decide WHIP vs WHEP. */
public enum NodeRole {
    ORIGIN(true, false),
    EDGE(false, true),
    ALLINONE(true, true),
    /** Takes the publisher of a provisioned stream and publishes its renditions to an origin; plays nothing. */
    TRANSCODER(true, false);

    private final boolean publish;
    private final boolean subscribe;

    NodeRole(boolean publish, boolean subscribe) {
        this.publish = publish;
        this.subscribe = subscribe;
    }

    public boolean canPublish() {
        return publish;
    }

    public boolean canSubscribe() {
        return subscribe;
    }

    /** The name used on the wire (heartbeats, stats). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
