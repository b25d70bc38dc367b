package org.smproxy.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Provision;

/**
 * What the rest of the tier tells this replica, applied to its local view: the other replicas' changes as the
 * server publishes them, and whole snapshots when it resyncs (nodes, operator states, provisions); plus the mirror of
 * the sessions the other replicas hold. Written by the store's one thread; the session mirror is read by request threads.
 */
final class TierView {
    private static final Logger log = LoggerFactory.getLogger(TierView.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final ClusterModel cluster;
    private final String replica;
    private final ConcurrentHashMap<String, SessionInfo> remoteSessions = new ConcurrentHashMap<>();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private volatile BiConsumer<String, String> kicker = (match, by) -> { };
    /** This replica's provision writes whose change has not come back yet, by key: only the latest is applied. */
    private final ConcurrentHashMap<String, Integer> ownProvisionWrites = new ConcurrentHashMap<>();
    /** Changes up to this one are in the last snapshot. */
    private long floorSeq;

    TierView(ClusterModel cluster, String replica) {
        this.cluster = cluster;
        this.replica = replica;
    }

    Collection<SessionInfo> remoteSessions() {
        return List.copyOf(remoteSessions.values());
    }

    /** Node token ids revoked anywhere in the tier (this replica's own at once, the others' as they arrive). */
    Set<String> revoked() {
        return revoked;
    }

    void onKick(BiConsumer<String, String> kicker) {
        this.kicker = Objects.requireNonNull(kicker);
    }

    /**
     * Makes the local view equal to a {@link RedisScripts#SNAPSHOT}: changes up to the snapshot's are then ignored.
     *
     * @return how many shared nodes are in the view
     */
    @SuppressWarnings("unchecked")
    int applySnapshot(List<Object> snapshot) {
        long serverNow = (Long) snapshot.get(0);
        Map<String, String> nodes = pairs((List<Object>) snapshot.get(2));
        Map<String, String> beats = pairs((List<Object>) snapshot.get(3));
        Map<String, String> admin = pairs((List<Object>) snapshot.get(4));
        Map<String, String> sessions = pairs((List<Object>) snapshot.get(5));
        Set<String> liveReplicas = pairs((List<Object>) snapshot.get(6)).keySet();
        long localNow = cluster.nowMillis();
        Set<String> shared = new HashSet<>();
        for (Map.Entry<String, String> e : nodes.entrySet()) {
            String beat = beats.get(e.getKey());
            long age = beat == null ? 0 : Math.max(0, serverNow - (long) Double.parseDouble(beat));
            try {
                cluster.report(JSON.readValue(e.getValue(), NodeReport.class), false, localNow - age);
                shared.add(e.getKey());
            } catch (ClusterException | JsonProcessingException ex) {
                log.warn("cluster store: node '{}' is not usable here: {}", e.getKey(), ex.getMessage());
            }
        }
        for (Node n : cluster.nodes()) {
            if (!n.isStatic() && !shared.contains(n.id())) {
                cluster.remove(n.id(), "no longer in the shared cluster store");
            }
        }
        for (Node n : cluster.nodes()) {
            NodeState wanted = admin.containsKey(n.id()) ? NodeState.parse(admin.get(n.id())) : null;
            if (!Objects.equals(cluster.adminState(n.id()).orElse(null), wanted)) {
                cluster.setAdminState(n.id(), wanted);
            }
        }
        Map<String, SessionInfo> others = new HashMap<>();
        for (String value : sessions.values()) {
            SessionInfo s = read(value, SessionInfo.class);
            if (s != null && !replica.equals(s.replica()) && liveReplicas.contains(s.replica())) {
                others.put(s.id(), s);
            }
        }
        remoteSessions.keySet().retainAll(others.keySet());
        remoteSessions.putAll(others);
        if (snapshot.size() > 7) {
            // added to, never cleared: a revocation this replica has not shared yet must not come undone here
            for (Object id : (List<Object>) snapshot.get(7)) {
                revoked.add(String.valueOf(id));
            }
        }
        if (snapshot.size() > 8) {
            // replaced whole, unlike revocations: a provision deleted elsewhere must go; this replica's unshared
            // writes were shared again before the snapshot was read
            List<Provision> provisions = new ArrayList<>();
            for (String value : pairs((List<Object>) snapshot.get(8)).values()) {
                Provision p = read(value, Provision.class);
                if (p != null) {
                    provisions.add(p);
                }
            }
            cluster.provisions().replaceAll(provisions);
            ownProvisionWrites.clear(); // those sent before are in the snapshot, and their changes are skipped below
        }
        floorSeq = (Long) snapshot.get(1);
        return shared.size();
    }

    private static Map<String, String> pairs(List<Object> flat) {
        Map<String, String> map = new HashMap<>(flat.size());
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return map;
    }

    /**
     * Applies one change, {@code TYPE|seq|origin|json}, in the server's order. Changes this replica made itself are
     * already in its view, except the tier's decisions (expiry, a replica gone), which any replica's tick may make.
     *
     * @return true when the tier took this replica for gone, so it must share its sessions again
     */
    boolean onEvent(String message) {
        String[] f = message.split("\\|", 4);
        if (f.length < 4 || !f[1].matches("\\d{1,19}")) {
            log.warn("cluster store: malformed change ignored: {}", abbreviate(message));
            return false;
        }
        long seq = Long.parseLong(f[1]);
        if (seq <= floorSeq) {
            return false; // already in the snapshot this replica read
        }
        String type = f[0];
        boolean own = replica.equals(f[2]);
        JsonNode body = read(f[3], JsonNode.class);
        if (body == null) {
            return false;
        }
        switch (type) {
            case "E" -> { // the tier's expiry: applies here even when this replica's tick decided it
                String id = body.path("id").asText();
                // a node of the cluster file that also heartbeats went silent: as with one replica, it stays
                if (cluster.findById(id).filter(n -> !n.isStatic()).isPresent()) {
                    cluster.remove(id, body.path("reason").asText());
                }
            }
            case "G" -> {
                String gone = body.path("replica").asText();
                remoteSessions.values().removeIf(s -> s.replica().equals(gone));
                if (gone.equals(replica) && !own) {
                    log.warn("cluster store: the tier took this replica for gone (no tick for {} ms); re-sharing its"
                            + " sessions", RedisStore.REPLICA_TIMEOUT_MS);
                    return true;
                }
            }
            case "P", "D" -> {
                // this replica's own latest too: it may have raced a resync's snapshot, or another replica's write
                // to the same provision, and the server's order is the tier's
                if (!own || settled(provisionKey(body.path("nodeGroup").asText(), body.path("guid").asText()))) {
                    applyProvision(type, f[3], body);
                }
            }
            default -> {
                if (!own) {
                    try {
                        applyRemote(type, f[3], body);
                    } catch (ClusterException | IllegalArgumentException e) {
                        // another replica accepted it, so its configuration differs from this one's: say so
                        log.warn("cluster store: a change from replica '{}' does not fit this replica's configuration"
                                + " ({}): {}", f[2], e.getMessage(), abbreviate(message));
                    }
                }
            }
        }
        return false;
    }

    private void applyRemote(String type, String raw, JsonNode body) {
        switch (type) {
            case "R" -> {
                NodeReport report = read(raw, NodeReport.class);
                if (report != null) {
                    cluster.report(report, false);
                }
            }
            case "X" -> removeIfKnown(body.path("id").asText(), body.path("reason").asText());
            case "A" -> {
                String id = body.path("id").asText();
                String wanted = body.path("state").asText();
                if (cluster.findById(id).isPresent()) {
                    cluster.setAdminState(id, wanted.isEmpty() ? null : NodeState.parse(wanted));
                }
            }
            case "S" -> {
                SessionInfo s = read(raw, SessionInfo.class);
                if (s != null) {
                    remoteSessions.put(s.id(), s);
                }
            }
            case "C" -> remoteSessions.remove(body.path("id").asText());
            case "V" -> revoked.add(body.path("id").asText());
            case "K" -> {
                String match = body.path("match").asText();
                kicker.accept(match.isEmpty() ? null : match, "another replica");
            }
            default -> log.debug("cluster store: unknown change type '{}' ignored", type);
        }
    }

    static String provisionKey(String nodeGroup, String guid) {
        return nodeGroup + "|" + guid;
    }

    /** A provision write of this replica's was sent: its change will come back. */
    void provisionSent(String key) {
        ownProvisionWrites.merge(key, 1, Integer::sum);
    }

    /**
     * A write of this replica's came back, or will not (it failed).
     *
     * @return whether it was the last one in flight for that key
     */
    boolean settled(String key) {
        return ownProvisionWrites.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null) == null;
    }

    private void applyProvision(String type, String raw, JsonNode body) {
        if ("D".equals(type)) {
            cluster.provisions().remove(body.path("nodeGroup").asText(), body.path("guid").asText());
            return;
        }
        Provision p = read(raw, Provision.class);
        if (p != null) {
            cluster.provisions().put(List.of(p));
        }
    }

    private void removeIfKnown(String id, String reason) {
        if (cluster.findById(id).isPresent()) {
            cluster.remove(id, reason);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T read(String text, Class<T> type) {
        try {
            return JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            log.warn("cluster store: unreadable {} ignored: {}", type.getSimpleName(), e.getOriginalMessage());
            return null;
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

}
