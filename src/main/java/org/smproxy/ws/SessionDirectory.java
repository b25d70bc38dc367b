package org.smproxy.ws;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.smproxy.store.ClusterStore;
import org.smproxy.store.SessionInfo;

/**
 * The WebSocket sessions of the whole tier, for the admin APIs: this replica's live ones as they are now, the
 * others' as their replicas last shared them. A kick reaches a session wherever it lives.
 */
public final class SessionDirectory {
    private final SessionRegistry local;
    private final ClusterStore store;

    public SessionDirectory(SessionRegistry local, ClusterStore store) {
        this.local = local;
        this.store = store;
    }

    public List<SessionInfo> list() {
        List<SessionInfo> all = new ArrayList<>();
        for (WsSession s : local.list()) {
            all.add(local.info(s));
        }
        for (SessionInfo s : store.remoteSessions()) {
            if (local.get(s.id()).isEmpty()) {
                all.add(s);
            }
        }
        all.sort(Comparator.comparingLong(SessionInfo::createdMillis).thenComparing(SessionInfo::id));
        return all;
    }

    public Optional<SessionInfo> get(String id) {
        Optional<WsSession> here = local.get(id);
        if (here.isPresent()) {
            return Optional.of(local.info(here.get()));
        }
        return store.remoteSessions().stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /**
     * Closes every session whose id or stream matches, here and on the replicas that hold the others.
     *
     * @return how many sessions matched across the tier
     */
    public int kick(String idOrStream, int code, String reason) {
        List<WsSession> here = local.find(idOrStream);
        here.forEach(s -> s.kick(code, reason));
        long there = store.remoteSessions().stream()
                .filter(s -> s.id().equals(idOrStream) || s.stream().equals(idOrStream)).count();
        if (there > 0) {
            store.kickRemote(idOrStream);
        }
        return here.size() + (int) there;
    }

    /** Closes every session of the tier. */
    public void kickAll(String reason) {
        local.closeAll(reason);
        if (!store.remoteSessions().isEmpty()) {
            store.kickRemote(null);
        }
    }
}
