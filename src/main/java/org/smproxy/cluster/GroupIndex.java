package org.smproxy.cluster;

import java.util.EnumMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The live indexes of one node group: ranked candidates per capability and sub-group, the group's streams, and
 * the counters its limits are checked against. Written only by {@link ClusterModel} under the node's lock;
 * read lock-free by selection.
 */
final class GroupIndex {
    final NodeGroupConfig config;
    final ConcurrentHashMap<String, StreamEntry> streams = new ConcurrentHashMap<>();
    /** Streams that have a publishing node: what maxPublishers limits. */
    final AtomicLong publishers = new AtomicLong();
    /** Sum of the subscriber counts nodes report: what maxSubscribers limits. */
    final AtomicLong subscribers = new AtomicLong();
    final AtomicInteger inServiceNodes = new AtomicInteger();

    private final EnumMap<Capability, RankedSets> byCapability = new EnumMap<>(Capability.class);
    /** nodeCount in the high half, the shuffle size computed for it in the low half. */
    private volatile long shuffleCache = -1;

    GroupIndex(NodeGroupConfig config, LongSupplier millis) {
        this.config = config;
        for (Capability c : Capability.values()) {
            byCapability.put(c, new RankedSets(millis));
        }
    }

    RankedSets candidates(Capability capability) {
        return byCapability.get(capability);
    }

    /**
     * Moves a node between places; either side may be null (joining, leaving, not eligible). The caller retires the
     * old place once the node's streams have moved too.
     */
    void place(Set<Capability> capabilities, Ranked oldRanked, Ranked newRanked) {
        if (oldRanked == newRanked) {
            return;
        }
        for (Capability c : capabilities) {
            move(byCapability.get(c), oldRanked, newRanked);
        }
    }

    /**
     * Adds before removing, so a node whose rank changed never vanishes from selection for a moment; selection
     * tolerates the brief duplicate. When old and new compare equal (same rank, other region) adding first would be
     * a no-op that the removal then undoes, so that rare case removes first.
     */
    private static void move(RankedSets sets, Ranked oldRanked, Ranked newRanked) {
        if (oldRanked != null && newRanked != null && oldRanked.compareTo(newRanked) == 0) {
            sets.remove(oldRanked.scopes, oldRanked);
            sets.add(newRanked.scopes, newRanked);
            return;
        }
        if (newRanked != null) {
            sets.add(newRanked.scopes, newRanked);
        }
        if (oldRanked != null) {
            sets.remove(oldRanked.scopes, oldRanked);
        }
    }

    /** Applies one node's change for one stream; a stream exists exactly while some node reports it. */
    void updateStream(String guid, String nodeId, NodeReport.StreamReport oldReport, NodeReport.StreamReport newReport,
                      Ranked oldCarrier, Ranked newCarrier, long now) {
        streams.compute(guid, (g, entry) -> {
            if (entry == null) {
                if (newReport == null) {
                    return null;
                }
                entry = new StreamEntry(g, now);
            }
            boolean hadPublisher = entry.publisherNodeId != null;
            if (newReport != null) {
                entry.byNode.put(nodeId, newReport);
            } else {
                entry.byNode.remove(nodeId);
            }
            if (oldCarrier != newCarrier) {
                entry.moveCarrier(oldCarrier, newCarrier);
            }
            if (newReport != null && newReport.publishing()) {
                entry.publisherNodeId = nodeId;
            } else if (nodeId.equals(entry.publisherNodeId)) {
                entry.publisherNodeId = null;
            }
            boolean hasPublisher = entry.publisherNodeId != null;
            if (hadPublisher != hasPublisher) {
                publishers.addAndGet(hasPublisher ? 1 : -1);
            }
            int delta = (newReport == null ? 0 : newReport.subscribers()) - (oldReport == null ? 0 : oldReport.subscribers());
            if (delta != 0) {
                subscribers.addAndGet(delta);
            }
            return entry.byNode.isEmpty() ? null : entry;
        });
    }

    /** Red5's shuffleSizeExpression over the group's in-service node count, recomputed only when the count moves. */
    int shuffleSize() {
        int nodeCount = inServiceNodes.get();
        long cached = shuffleCache;
        if (cached >= 0 && (int) (cached >>> 32) == nodeCount) {
            return (int) cached;
        }
        int size = Math.max(1, MetricExpression.truncate(config.shuffleSize().evaluate(v -> nodeCount)));
        shuffleCache = ((long) nodeCount << 32) | size;
        return size;
    }
}
