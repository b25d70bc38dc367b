package org.smproxy.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Red5's best-server rule over ranked snapshots: preferred sub-groups first, then (unless strict) the whole
 * group; within each, a uniform pick among the best few, so that a burst of requests between two heartbeats does
 * not all land on the one node that looked least loaded. Costs O(picks), not O(window): Red5's default window is
 * 10% of the group, a thousand nodes at 10,000.
 */
final class NodeSelector {
    /** Ties at the best rank widen the shuffle window, up to this many, so idle nodes share new load evenly. */
    static final int MAX_TIE_WINDOW = 32;
    /** Draws that hit an already drawn place before the rest is taken best first (only small windows get there). */
    private static final int MAX_REPEATS = 16;

    private NodeSelector() {
    }

    /** @param candidates the ranked places of a scope ("" is the whole group), best first */
    static List<Node> choose(Function<String, Ranked[]> candidates, SelectionRequest req, int shuffleSize, Random random) {
        int endpoints = req.endpoints();
        List<Node> chosen = new ArrayList<>(endpoints);
        for (String subGroup : req.subGroups()) {
            takeBest(candidates.apply(subGroup), endpoints, shuffleSize, chosen, req.excludedNodeId(), random);
            if (chosen.size() == endpoints) {
                return chosen;
            }
        }
        if (req.subGroups().isEmpty() || !req.strict()) {
            takeBest(candidates.apply(""), endpoints, shuffleSize, chosen, req.excludedNodeId(), random);
        }
        return chosen;
    }

    /** The places of one scope from an array that holds every scope (a stream's carriers). */
    static Ranked[] inScope(Ranked[] all, String scope) {
        if (scope.isEmpty()) {
            return all;
        }
        Ranked[] some = new Ranked[all.length];
        int n = 0;
        for (Ranked r : all) {
            if (r.inScope(scope)) {
                some[n++] = r;
            }
        }
        return n == all.length ? all : Arrays.copyOf(some, n);
    }

    private static void takeBest(Ranked[] set, int endpoints, int shuffleSize, List<Node> chosen, String excluded,
                                 Random random) {
        int need = endpoints - chosen.size();
        int first = 0;
        while (first < set.length && !usable(set[first], chosen, excluded)) {
            first++;
        }
        if (need <= 0 || first == set.length) {
            return;
        }
        int ties = 1;
        while (first + ties < set.length && ties < MAX_TIE_WINDOW && set[first + ties].rank == set[first].rank) {
            ties++;
        }
        // Drawn uniformly without replacement from the best max(shuffleSize, ties) places; a place that cannot be
        // taken (retired, excluded, already chosen) lets the next one into the pool, so it keeps its size.
        int end = Math.min(set.length, first + Math.max(shuffleSize, ties));
        int[] tried = new int[need + 4];
        int triedCount = 0;
        int taken = 0;
        int repeats = 0;
        while (taken < need && triedCount < end - first && repeats < MAX_REPEATS) {
            int i = first + random.nextInt(end - first);
            if (contains(tried, triedCount, i)) {
                repeats++;
                continue;
            }
            if (triedCount == tried.length) {
                tried = Arrays.copyOf(tried, tried.length * 2);
            }
            tried[triedCount++] = i;
            Ranked r = set[i];
            if (usable(r, chosen, excluded)) {
                chosen.add(r.node);
                taken++;
            } else if (end < set.length) {
                end++;
            }
        }
        // More endpoints than the pool gives: the rest best first, as Red5 reads past its shuffled head
        for (int i = first; taken < need && i < set.length; i++) {
            if (!contains(tried, triedCount, i) && usable(set[i], chosen, excluded)) {
                chosen.add(set[i].node);
                taken++;
            }
        }
    }

    private static boolean usable(Ranked r, List<Node> chosen, String excluded) {
        if (r.retired || r.nodeId.equals(excluded)) {
            return false;
        }
        for (int i = 0; i < chosen.size(); i++) {
            if (chosen.get(i).id().equals(r.nodeId)) {
                return false; // also a node seen twice while it moves between places
            }
        }
        return true;
    }

    private static boolean contains(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }
}
