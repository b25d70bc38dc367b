package org.smproxy.cluster;

import java.util.List;
import java.util.Map;

/** The model's record of one node. Every field is guarded by the entry's own monitor. */
final class NodeEntry {
    final String id;
    GroupIndex group;
    NodeReport report;
    boolean isStatic;
    /** An operator's state (drain, fault) that outranks whatever the node reports, until cleared. */
    NodeState adminState;
    long lastHeartbeatMillis;
    /** Null while the node is not a candidate (not in service, at capacity, or a relay). */
    Ranked ranked;
    List<String> keys = List.of();
    Map<String, NodeReport.StreamReport> streams = Map.of();
    volatile Node node;
    boolean removed;

    NodeEntry(String id) {
        this.id = id;
    }
}
