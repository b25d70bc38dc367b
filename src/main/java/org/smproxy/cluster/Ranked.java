package org.smproxy.cluster;

import java.util.List;

/**
 * A node's place in a sorted candidate set. Ordered by rank, then id, so the head of a set is always the best
 * node and equal ranks still have a stable total order (skip lists need one).
 */
final class Ranked implements Comparable<Ranked> {
    final int rank;
    final String nodeId;
    /** The sub-groups the node counts in: its region and every parent, then "" (the whole group). */
    final List<String> scopes;
    /** Replaced in place on heartbeats that do not move the node, so readers always see fresh load figures. */
    volatile Node node;
    /**
     * Set once the node has left this place (moved, out of service, at its limit, gone). Selection reads snapshots
     * that may still hold a retired place, and skips it, so a node is never chosen after it stopped being eligible.
     */
    volatile boolean retired;

    Ranked(Node node, List<String> scopes) {
        this.rank = node.rank();
        this.nodeId = node.id();
        this.scopes = scopes;
        this.node = node;
    }

    boolean inScope(String scope) {
        return scope.isEmpty() || scopes.contains(scope);
    }

    @Override
    public int compareTo(Ranked other) {
        int byRank = Integer.compare(rank, other.rank);
        return byRank != 0 ? byRank : nodeId.compareTo(other.nodeId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ranked && compareTo((Ranked) o) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * rank + nodeId.hashCode();
    }
}
