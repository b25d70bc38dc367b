package org.smproxy.cluster;

import java.util.ArrayList;
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
        // The window is read in one pass with no duplicate checks (a check against the window made this quadratic:
        // a million comparisons for Red5's default window of 10% at 10,000 nodes). A node mid-move may sit in the
        // set twice for a moment; such a rare duplicate is skipped when picking, below.
        List<Node> window = new ArrayList<>(Math.min(want + MAX_TIE_WINDOW, 256));
        int bestRank = Integer.MIN_VALUE;
        int ties = 0;
        for (Ranked r : set) {
            Node candidate = r.node;
            if (candidate.id().equals(excluded) || contains(chosen, candidate.id())) {
                continue; // chosen holds at most `endpoints` nodes: a short check
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
            window.add(candidate);
        }
        int shuffled = Math.min(window.size(), Math.max(shuffleSize, ties));
        // A partial Fisher-Yates shuffle: position i gets a uniform pick among the shuffled positions not yet taken,
        // which is what shuffling the whole window and reading its head gives, at the cost of the picks only.
        int taken = 0;
        for (int i = 0; i < window.size() && taken < need; i++) {
            if (i < shuffled - 1) {
                int j = i + random.nextInt(shuffled - i);
                Node swap = window.get(j);
                window.set(j, window.get(i));
                window.set(i, swap);
            }
            Node node = window.get(i);
            if (node.id().equals(excluded) || contains(chosen, node.id())) {
                continue;
            }
            chosen.add(node);
            taken++;
        }
        if (taken < need && window.size() >= want) {
            // the window held a duplicate: fill in from the rest of the set, best first
            for (Ranked r : set) {
                if (taken == need) {
                    break;
                }
                Node node = r.node;
                if (!node.id().equals(excluded) && !contains(chosen, node.id())) {
                    chosen.add(node);
                    taken++;
                }
            }
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
