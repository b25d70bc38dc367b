package org.smproxy.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The provisions this replica knows, per node group (by real name, never the {@code default} alias). Written
 * rarely (the provision API, other replicas' changes), read on every transcoding publish: each write swaps in a new
 * immutable copy, so selection reads without a lock. Writers are serialised by this object's monitor.
 */
public final class Provisions {
    private record Copy(Map<String, Map<String, Provision>> byGroup, Map<String, Set<String>> covered) {
    }

    private volatile Copy copy = new Copy(Map.of(), Map.of());

    public Optional<Provision> find(String group, String guid) {
        return Optional.ofNullable(copy.byGroup().getOrDefault(group, Map.of()).get(guid));
    }

    /** A group's provisions, by guid. */
    public List<Provision> of(String group) {
        return List.copyOf(copy.byGroup().getOrDefault(group, Map.of()).values());
    }

    public List<Provision> all() {
        return copy.byGroup().values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Whether a provision of the group names the stream (see {@link Provision#covers}). */
    public boolean covers(String group, String streamGuid) {
        return streamGuid != null && copy.covered().getOrDefault(group, Set.of()).contains(streamGuid);
    }

    /** Creates or replaces provisions (by group and guid). */
    public synchronized void put(Collection<Provision> provisions) {
        Map<String, Map<String, Provision>> next = new HashMap<>();
        copy.byGroup().forEach((group, byGuid) -> next.put(group, new HashMap<>(byGuid)));
        for (Provision p : provisions) {
            next.computeIfAbsent(p.nodeGroup(), g -> new HashMap<>()).put(p.guid(), p);
        }
        copy = build(next.values().stream().flatMap(m -> m.values().stream()).toList());
    }

    /** @return whether it was there */
    public synchronized boolean remove(String group, String guid) {
        if (find(group, guid).isEmpty()) {
            return false;
        }
        List<Provision> next = new ArrayList<>(all());
        next.removeIf(p -> p.nodeGroup().equals(group) && p.guid().equals(guid));
        copy = build(next);
        return true;
    }

    /** Makes this copy the tier's (after reading the shared store whole). */
    public synchronized void replaceAll(Collection<Provision> provisions) {
        copy = build(provisions);
    }

    private static Copy build(Collection<Provision> provisions) {
        Map<String, Map<String, Provision>> byGroup = new HashMap<>();
        Map<String, Set<String>> covered = new HashMap<>();
        for (Provision p : provisions) {
            byGroup.computeIfAbsent(p.nodeGroup(), g -> new TreeMap<>()).put(p.guid(), p);
            Set<String> names = covered.computeIfAbsent(p.nodeGroup(), g -> new HashSet<>());
            names.add(p.guid());
            names.addAll(p.streamGuids());
        }
        byGroup.replaceAll((g, m) -> Collections.unmodifiableMap(m));
        covered.replaceAll((g, s) -> Set.copyOf(s));
        return new Copy(Map.copyOf(byGroup), Map.copyOf(covered));
    }
}
