package org.smproxy.hls;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.SelectionRequest;

/**
 * Picks the edge a viewer's playlist comes from. Each edge segments a stream on its own, so a player must stay on
 * one edge: rendezvous hashing of (viewer, node) over the edges that can take it keeps the same viewer on the same
 * edge without any stored state, spreads viewers across edges, and when an edge goes, moves only its viewers. An
 * edge that just failed is passed over for a short while, so players do not wait on it again before its heartbeats
 * lapse.
 *
 * <p>The hash depends only on the viewer and the node set, so every replica of a tier picks the same edge. The
 * failure marks stay per replica on purpose: a replica that saw an edge fail steers its own viewers away at once,
 * and sharing marks would let one replica's network trouble move the whole tier's viewers.
 */
final class EdgePicker {
    private static final long FAILED_FOR_MILLIS = 10_000;

    private final ClusterModel cluster;
    private final ConcurrentHashMap<String, Long> failedUntil = new ConcurrentHashMap<>();

    EdgePicker(ClusterModel cluster) {
        this.cluster = cluster;
    }

    Node pick(SelectionRequest req, String viewer) {
        List<Node> carriers = cluster.carriers(req);
        long now = cluster.nowMillis();
        Node best = null;
        long bestScore = Long.MIN_VALUE;
        boolean skippedFailed = false;
        for (int pass = 0; pass < 2 && best == null; pass++) {
            for (Node n : carriers) {
                Long until = failedUntil.get(n.id());
                if (pass == 0 && until != null && until > now) {
                    skippedFailed = true;
                    continue;
                }
                long score = score(viewer, n.id());
                if (score > bestScore) {
                    bestScore = score;
                    best = n;
                }
            }
            if (!skippedFailed) {
                break;
            }
        }
        return best;
    }

    void failed(Node node) {
        failedUntil.put(node.id(), cluster.nowMillis() + FAILED_FOR_MILLIS);
    }

    /** A 64-bit mix of viewer and node (FNV-1a then a finaliser): cheap, stable across restarts and replicas. */
    static long score(String viewer, String nodeId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (viewer + '\u0000' + nodeId).getBytes(StandardCharsets.UTF_8)) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
