package org.smproxy.cluster;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Sorted candidate sets keyed by sub-group, one entry per level of a node's region ancestry ("" is the whole
 * group). Heartbeats insert and remove in O(log n) per level; selection reads an array snapshot of a level, so a
 * choice costs O(picks) however wide Red5's shuffle window is (10% of the nodes by default).
 *
 * <p>A snapshot is rebuilt when its level changed, at once for small levels and at most every
 * {@link #MAX_STALENESS_MILLIS} for large ones: there, a rebuild copies thousands of entries, and a ranking a few tens
 * of milliseconds old is far fresher than the heartbeat it came from. Places that became ineligible since are
 * marked {@link Ranked#retired} and skipped by the reader.
 */
final class RankedSets {
    static final long MAX_STALENESS_MILLIS = 50;
    /** Levels up to this size are copied whenever they change: cheaper than reasoning about staleness. */
    static final int ALWAYS_FRESH_UP_TO = 128;
    private static final Ranked[] NONE = new Ranked[0];

    private final ConcurrentHashMap<String, Level> byScope = new ConcurrentHashMap<>();
    private final LongSupplier millis;

    /** @param millis the model's clock */
    RankedSets(LongSupplier millis) {
        this.millis = millis;
    }

    private static final class Level {
        final ConcurrentSkipListSet<Ranked> set = new ConcurrentSkipListSet<>();
        final AtomicLong version = new AtomicLong();
        volatile Snapshot snapshot = new Snapshot(NONE, 0, 0);
    }

    private record Snapshot(Ranked[] ranked, long version, long builtMillis) {
    }

    /** The level's candidates, best first; may hold retired places (check before use). */
    Ranked[] view(String scope) {
        Level level = byScope.get(scope);
        if (level == null) {
            return NONE;
        }
        Snapshot s = level.snapshot;
        long version = level.version.get();
        if (s.version != version) {
            long now = millis.getAsLong();
            long age = now - s.builtMillis;
            // a clock stepped back (negative age) must not freeze the ranking until it catches up
            if (s.ranked.length <= ALWAYS_FRESH_UP_TO || age >= MAX_STALENESS_MILLIS || age < 0) {
                // read the version first: a change racing with the copy bumps it again, so the next reader re-copies
                s = new Snapshot(level.set.toArray(NONE), version, now);
                level.snapshot = s; // concurrent rebuilders may overwrite each other: each copy is valid
            }
        }
        return s.ranked;
    }

    void add(List<String> scopes, Ranked ranked) {
        for (String scope : scopes) {
            Level level = byScope.computeIfAbsent(scope, k -> new Level());
            level.set.add(ranked);
            level.version.incrementAndGet();
        }
    }

    void remove(List<String> scopes, Ranked ranked) {
        for (String scope : scopes) {
            Level level = byScope.get(scope);
            if (level != null && level.set.remove(ranked)) {
                level.version.incrementAndGet();
            }
        }
    }
}
