package org.smproxy.store;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Provision;

/** One replica, nothing shared: the local view is the whole truth. The embedded default. */
public final class MemoryStore implements ClusterStore {
    private final ClusterModel cluster;
    private final String replicaId;
    private final long startedMillis;
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    public MemoryStore(ClusterModel cluster, String replicaId) {
        this.cluster = cluster;
        this.replicaId = replicaId;
        this.startedMillis = cluster.nowMillis();
    }

    @Override
    public Node report(NodeReport report) {
        return cluster.report(report, false);
    }

    @Override
    public Node setAdminState(String nodeId, NodeState state) {
        return cluster.setAdminState(nodeId, state);
    }

    @Override
    public void remove(String nodeId, String reason) {
        cluster.remove(nodeId, reason);
    }

    @Override
    public void revokeNodeToken(String tokenId) {
        revoked.add(tokenId);
    }

    @Override
    public boolean nodeTokenRevoked(String tokenId) {
        return revoked.contains(tokenId);
    }

    @Override
    public Set<String> revokedNodeTokens() {
        return Set.copyOf(revoked);
    }

    @Override
    public void putProvisions(List<Provision> provisions) {
        cluster.provisions().put(provisions);
    }

    @Override
    public void removeProvision(String nodeGroup, String guid) {
        cluster.provisions().remove(nodeGroup, guid);
    }

    @Override
    public void sessionOpened(SessionInfo session) {
    }

    @Override
    public void sessionClosed(String sessionId) {
    }

    @Override
    public Collection<SessionInfo> remoteSessions() {
        return List.of();
    }

    @Override
    public void kickRemote(String idOrStream) {
    }

    @Override
    public void onKick(BiConsumer<String, String> kicker) {
    }

    @Override
    public void start() {
    }

    @Override
    public void housekeep() {
        cluster.expireStale();
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth("memory", StoreHealth.State.SYNCED, startedMillis, "single replica, nothing shared", replicaId);
    }

    @Override
    public String replicaId() {
        return replicaId;
    }

    @Override
    public void close() {
    }
}
