package org.smproxy.store;

/**
 * How fresh this replica's view of the cluster is.
 *
 * @param kind        {@code memory} or {@code redis}
 * @param state       {@link State#SYNCED} when the view is the tier's; otherwise since when it is not
 * @param sinceMillis when the state began (epoch millis)
 * @param detail      for an operator: the server and the last failure, never a password
 */
public record StoreHealth(String kind, State state, long sinceMillis, String detail, String replica) {

    public enum State {
        /** Never synced yet: the replica should not take traffic. */
        CONNECTING,
        /** The view is the tier's (always, for the memory store). */
        SYNCED,
        /** The shared server was lost after a sync: serving from the last view, heartbeats kept locally. */
        DEGRADED
    }

    public boolean ready() {
        return state == State.SYNCED;
    }
}
