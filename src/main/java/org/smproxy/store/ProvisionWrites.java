package org.smproxy.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.smproxy.cluster.Provision;

/**
 * This replica's provision writes on their way to the shared server: the ones the store's thread must share again
 * (those that failed on the way; all of this replica's once the server has lost its data), and, through
 * {@link TierView}, which changes coming back are this replica's own.
 */
final class ProvisionWrites {
    /** One write as {@link RedisScripts#PROVISIONS} takes it: an empty JSON deletes. */
    record Write(String nodeGroup, String guid, String json) {
        String key() {
            return TierView.provisionKey(nodeGroup, guid);
        }
    }

    private final TierView tier;
    /** Latest per key. */
    private final ConcurrentHashMap<String, Write> unshared = new ConcurrentHashMap<>();
    /** The id of the data the server held at the last resync; the store's thread only. */
    private String epoch;

    ProvisionWrites(TierView tier) {
        this.tier = tier;
    }

    static List<Write> puts(Collection<Provision> provisions) {
        List<Write> writes = new ArrayList<>(provisions.size());
        for (Provision p : provisions) {
            writes.add(new Write(p.nodeGroup(), p.guid(), TierView.json(p)));
        }
        return writes;
    }

    static Write removal(String nodeGroup, String guid) {
        return new Write(nodeGroup, guid, "");
    }

    /** The script's arguments for writes about to go: they supersede older ones still unshared. */
    String[] sending(List<Write> writes) {
        List<String> args = new ArrayList<>(writes.size() * 3);
        for (Write w : writes) {
            unshared.remove(w.key());
            tier.provisionSent(w.key());
            args.addAll(List.of(w.nodeGroup(), w.guid(), w.json()));
        }
        return args.toArray(String[]::new);
    }

    /** Sent, but lost on the way: no change comes back, and the next resync shares them again. */
    void failed(List<Write> writes) {
        for (Write w : writes) {
            tier.settled(w.key());
            unshared.put(w.key(), w);
        }
    }

    /** Never sent (the server is out of reach): the caller refuses the change. */
    void refused(List<Write> writes) {
        writes.forEach(w -> tier.settled(w.key()));
    }

    /** What the next resync shares again, each then {@link #reshared}. */
    Collection<Write> unshared() {
        return List.copyOf(unshared.values());
    }

    void reshared(Write w) {
        unshared.remove(w.key(), w);
    }

    /**
     * At each resync, the id of the data the server holds. Heartbeats come back by themselves and sessions are
     * shared again on every resync, but when the id is not the one last seen, the server lost its data (restarted
     * without persistence) and only the replicas still hold the provisions: this one gives all of its back.
     *
     * @return how many provisions are to be shared again
     */
    int serverHolds(String held, Collection<Provision> local) {
        boolean lost = epoch != null && !epoch.equals(held);
        epoch = held;
        if (!lost) {
            return 0;
        }
        for (Write w : puts(local)) {
            unshared.putIfAbsent(w.key(), w); // a deletion not shared yet still wins
        }
        return local.size();
    }
}
