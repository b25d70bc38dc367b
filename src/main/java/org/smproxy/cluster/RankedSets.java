package org.smproxy.cluster;

import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Sorted candidate sets keyed by sub-group, one entry per level of a node's region ancestry ("" is the whole
 * group). Insert and remove are O(log n) per level; reading the best candidates of any sub-group is a head scan.
 */
final class RankedSets {
    private static final NavigableSet<Ranked> EMPTY = new ConcurrentSkipListSet<>();

    private final ConcurrentHashMap<String, ConcurrentSkipListSet<Ranked>> bySubGroup = new ConcurrentHashMap<>();

    NavigableSet<Ranked> get(String subGroupKey) {
        NavigableSet<Ranked> set = bySubGroup.get(subGroupKey);
        return set == null ? EMPTY : set;
    }

    void add(List<String> keys, Ranked ranked) {
        for (String key : keys) {
            bySubGroup.computeIfAbsent(key, k -> new ConcurrentSkipListSet<>()).add(ranked);
        }
    }

    void remove(List<String> keys, Ranked ranked) {
        for (String key : keys) {
            ConcurrentSkipListSet<Ranked> set = bySubGroup.get(key);
            if (set != null) {
                set.remove(ranked);
            }
        }
    }

    boolean isEmpty() {
        return get("").isEmpty();
    }
}
