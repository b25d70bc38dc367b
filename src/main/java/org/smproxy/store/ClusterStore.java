package org.smproxy.store;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Provision;

/**
 * Every write to the cluster view goes through here, so that all replicas of the tier see the same nodes, operator
 * states, provisions and WebSocket sessions. Reads never do: each replica's {@link org.smproxy.cluster.ClusterModel} is the
 * local, in-memory view that selection reads, and the store keeps it fed (its own writes at once, the other
 * replicas' as they arrive). No method blocks on the network.
 */
public interface ClusterStore extends AutoCloseable {

    /** A heartbeat this replica received: in the local view on return, shared with the tier soon after. */
    Node report(NodeReport report);

    /**
     * An operator's state override ({@code null} clears it).
     *
     * @throws org.smproxy.cluster.ClusterException.SharedStateUnavailable when the change could not reach the tier
     */
    Node setAdminState(String nodeId, NodeState state);

    /** Forgets a node on every replica (it comes back with its next heartbeat). */
    void remove(String nodeId, String reason);

    /**
     * Revokes a node token by its id on every replica, for good: a heartbeat presenting it is refused from the
     * moment this returns here and as soon as the change arrives elsewhere (a new replica reads it on start).
     *
     * @throws org.smproxy.cluster.ClusterException.SharedStateUnavailable when the change could not reach the tier
     */
    void revokeNodeToken(String tokenId);

    /** A local read, on every heartbeat that presents a token. */
    boolean nodeTokenRevoked(String tokenId);

    /** The ids revoked at run time (those of {@code api.node.revokedTokens} are not here). */
    Set<String> revokedNodeTokens();

    /**
     * Creates or replaces provisions (by node group and guid) on every replica: in this replica's
     * {@link org.smproxy.cluster.ClusterModel#provisions()} on return, in the others' as soon as the change arrives (a
     * new replica reads them on start). Reads go to that local copy, never here.
     *
     * @throws org.smproxy.cluster.ClusterException.SharedStateUnavailable when the change could not reach the tier
     */
    void putProvisions(List<Provision> provisions);

    /**
     * Deletes a provision on every replica, as {@link #putProvisions} writes one.
     *
     * @throws org.smproxy.cluster.ClusterException.SharedStateUnavailable when the change could not reach the tier
     */
    void removeProvision(String nodeGroup, String guid);

    /** This replica's WebSocket sessions, as the rest of the tier should list them. */
    void sessionOpened(SessionInfo session);

    void sessionClosed(String sessionId);

    /** Sessions held by other replicas, as last shared; empty with a single replica. */
    Collection<SessionInfo> remoteSessions();

    /** Asks every other replica to close its sessions matching an id or stream ({@code null}: all of them). */
    void kickRemote(String idOrStream);

    /**
     * Who closes local sessions when another replica asks: called with the id or stream ({@code null} for all) and
     * the replica that asked.
     */
    void onKick(BiConsumer<String, String> kicker);

    /** Starts what runs on its own (the connection to a shared server and its housekeeping). */
    void start();

    /**
     * Called by the proxy's housekeeping a few times per heartbeat timeout: where this store decides, silent nodes
     * are dropped here. A store that decides elsewhere (once for the tier) does nothing.
     */
    void housekeep();

    StoreHealth health();

    String replicaId();

    @Override
    void close();
}
