package org.smproxy.cluster;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One stream of a node group: which nodes publish or carry it with their subscriber counts, and the carriers
 * that can take a subscriber, ranked. Membership changes happen inside {@code streams.compute(guid, ...)} in
 * {@link GroupIndex}, so an entry is created and dropped atomically with its first and last node.
 */
final class StreamEntry {
    private static final Ranked[] NONE = new Ranked[0];

    final String guid;
    final long startedMillis;
    final ConcurrentHashMap<String, NodeReport.StreamReport> byNode = new ConcurrentHashMap<>();
    /**
     * Carriers best first, every sub-group in one array (filtered by {@link Ranked#inScope} when read). Replaced,
     * never changed, under the compute lock: a stream has a handful of carriers, so a copy per change is cheaper
     * than a sorted set per sub-group, and a reader always sees one consistent order.
     */
    volatile Ranked[] carriers = NONE;
    volatile String publisherNodeId;

    StreamEntry(String guid, long startedMillis) {
        this.guid = guid;
        this.startedMillis = startedMillis;
    }

    /** Swaps one carrier's place for another (either may be null). Caller holds the compute lock. */
    void moveCarrier(Ranked out, Ranked in) {
        Ranked[] old = carriers;
        Ranked[] next = new Ranked[old.length + 1];
        int n = 0;
        for (Ranked r : old) {
            if (r != out) {
                next[n++] = r;
            }
        }
        if (in != null) {
            int at = Arrays.binarySearch(next, 0, n, in);
            if (at >= 0) {
                next[at] = in; // the same node at the same rank: the newer place wins
            } else {
                at = -at - 1;
                System.arraycopy(next, at, next, at + 1, n - at);
                next[at] = in;
                n++;
            }
        }
        carriers = Arrays.copyOf(next, n);
    }
}
