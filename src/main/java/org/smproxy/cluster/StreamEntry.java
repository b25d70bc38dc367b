package org.smproxy.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One stream of a node group: which nodes publish or carry it with their subscriber counts, and the carriers
 * that can take a subscriber, ranked. Membership changes happen inside {@code streams.compute(guid, ...)} in
 * {@link GroupIndex}, so an entry is created and dropped atomically with its first and last node.
 */
final class StreamEntry {
    final String guid;
    final long startedMillis;
    final ConcurrentHashMap<String, NodeReport.StreamReport> byNode = new ConcurrentHashMap<>();
    /** Guarded by the compute lock of the group's stream map, like the carrier sets. */
    final RankedSets carriers = new RankedSets();
    volatile String publisherNodeId;

    StreamEntry(String guid, long startedMillis) {
        this.guid = guid;
        this.startedMillis = startedMillis;
    }
}
