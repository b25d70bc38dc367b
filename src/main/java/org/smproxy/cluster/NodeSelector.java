package org.smproxy.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.Random;

/**
 * Red5's best-server rule over sorted candidate sets: preferred sub-groups first, then (unless strict) the whole
 * group; within each, shuffle the best few so that a burst of requests between two heartbeats does not all land on
 * the one node that looked least loaded. Touches only the head of each set: O(log n + window) per request.
 */
final class NodeSelector {
    /** Ties at the best rank widen the shuffle window, up to this many, so idle nodes share new load evenly. */
    static final int MAX_TIE_WINDOW = 32;

    private NodeSelector() {
    }

    static List<Node> choose(RankedSets sets, SelectionRequest req, int shuffleSize, Random random) {
        List<String> preferred = req.subGroups();
        int endpoints = req.endpoints();
        List<Node> chosen = new ArrayList<>(endpoints);
        for (String subGroup : preferred) {
            takeBest(sets.get(subGroup), endpoints, shuffleSize, chosen, req.excludedNodeId(), random);
            if (chosen.size() == endpoints) {
                return chosen;
            }
        }
        if (preferred.isEmpty() || !req.strict()) {
            takeBest(sets.get(""), endpoints, shuffleSize, chosen, req.excludedNodeId(), random);
        }
        return chosen;
    }

    private static void takeBest(NavigableSet<Ranked> set, int endpoints, int shuffleSize, List<Node> chosen,
                                 String excluded, Random random) {
        int need = endpoints - chosen.size();
        if (need <= 0 || set.isEmpty()) {
            return;
        }
        int want = Math.max(shuffleSize, need);
        List<Node> window = new ArrayList<>(Math.min(want, MAX_TIE_WINDOW));
        int bestRank = Integer.MIN_VALUE;
        int ties = 0;
        for (Ranked r : set) {
            Node node = r.node;
            if (node.id().equals(excluded) || contains(chosen, node.id()) || contains(window, node.id())) {
                continue; // a node mid-move sits in a set twice for a moment
            }
            if (window.isEmpty()) {
                bestRank = r.rank;
            }
            boolean tied = r.rank == bestRank;
            if (window.size() >= want && !(tied && window.size() < MAX_TIE_WINDOW)) {
                break;
            }
            if (tied) {
                ties++;
            }
            window.add(node);
        }
        int shuffled = Math.min(window.size(), Math.max(shuffleSize, ties));
        Collections.shuffle(window.subList(0, shuffled), random);
        for (int i = 0; i < window.size() && i < need; i++) {
            chosen.add(window.get(i));
        }
    }

    private static boolean contains(List<Node> nodes, String id) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).id().equals(id)) {
                return true;
            }
        }
        return false;
    }
}
