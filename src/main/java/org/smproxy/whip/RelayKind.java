package org.smproxy.whip;

import org.smproxy.cluster.Capability;

/** Which side of a stream a relayed session is: WHIP publishes (to an origin), WHEP plays (from an edge). */
public enum RelayKind {
    WHIP("whip", Capability.PUBLISH),
    WHEP("whep", Capability.SUBSCRIBE);

    private final String word;
    private final Capability capability;

    RelayKind(String word, Capability capability) {
        this.word = word;
        this.capability = capability;
    }

    /** The path word, as in {@code /live/whip/endpoint/stream1}. */
    public String word() {
        return word;
    }

    public Capability capability() {
        return capability;
    }

    static RelayKind of(String word) {
        return "whip".equals(word) ? WHIP : "whep".equals(word) ? WHEP : null;
    }
}
