package org.smproxy.store;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;


import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Provision;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;

/**
 * The cluster view shared by every replica on one Redis-compatible server (Redis 7, Valkey).
 *
 * <p>Writes apply to the local view at once and go to the server without waiting (request threads never wait on
 * it); the server publishes each change, and every other replica applies it. One thread of the store's own
 * connects, ticks (marks the replica alive, runs the tier-wide expiry), resyncs and applies changes in the order
 * the server made them. When the server is out of reach the replica serves from its last view, keeps the
 * heartbeats it receives, and re-shares them when the server returns, then reads the whole state again: a replica
 * that missed changes converges. What the other replicas say is applied by {@link TierView}.
 */
public final class RedisStore implements ClusterStore {
    private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** A replica that has not ticked for this long is gone, and so are its sessions from the tier's registry. */
    static final long REPLICA_TIMEOUT_MS = 5_000;
    /** Changes waiting for the store's thread; past this the replica drops them and resyncs instead. */
    private static final int MAX_PENDING_EVENTS = 100_000;
    /** While the server is unreachable at start-up, one log line per this many attempts (the first always). */
    private static final int LOG_EVERY_ATTEMPTS = 15;

    private final ClusterModel cluster;
    private final String prefix;
    private final String channel;
    private final String replica;
    private final String where;
    private final RedisURI uri;
    private final long heartbeatTimeoutMs;
    private final long tickMs;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledThreadPoolExecutor worker;
    private final AtomicInteger pendingEvents = new AtomicInteger();

    private volatile StatefulRedisConnection<String, String> conn;
    private volatile StatefulRedisPubSubConnection<String, String> sub;
    private volatile StoreHealth.State state = StoreHealth.State.CONNECTING;
    private volatile long stateSince;
    private volatile String detail;
    private volatile boolean needsResync = true;
    private int attempts;

    /** Reports and removals made while not synced, re-shared when the server is back (latest per node). */
    private final ConcurrentHashMap<String, NodeReport> unsharedReports = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> unsharedRemovals = new ConcurrentHashMap<>();
    private final java.util.Set<String> unsharedRevocations = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, SessionInfo> localSessions = new ConcurrentHashMap<>();
    private final TierView tier;
    private final ProvisionWrites provisionWrites;

    /** @throws ConfigException naming {@code cluster.store.url} when the URL is unusable */
    public RedisStore(ClusterModel cluster, ProxyConfig.Store config, Duration heartbeatTimeout) {
        this.cluster = cluster;
        this.tier = new TierView(cluster, config.replicaId());
        this.provisionWrites = new ProvisionWrites(tier);
        this.prefix = config.prefix();
        this.channel = prefix + "events";
        this.replica = config.replicaId();
        this.where = ProxyConfig.redact(config.url());
        try {
            this.uri = RedisURI.create(config.url());
        } catch (RuntimeException e) {
            throw new ConfigException("'cluster.store.url' (" + where + "): " + e.getMessage());
        }
        if (!config.password().isEmpty()) {
            uri.setAuthentication(config.password().toCharArray());
        }
        uri.setTimeout(COMMAND_TIMEOUT);
        this.heartbeatTimeoutMs = heartbeatTimeout.toMillis();
        // a quarter of the timeout, at most half a second: a node is dropped within the timeout plus one tick
        this.tickMs = Math.max(50, Math.min(500, heartbeatTimeoutMs / 4));
        this.stateSince = cluster.nowMillis();
        this.detail = "connecting to " + where;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                // the default backs off to 30 s; a returning server should be used within a couple of ticks
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // queued commands would only replay stale heartbeats later, and grow without bound meanwhile
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(10_000)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, java.net.SocketAddress address) {
                needsResync = true; // whatever was published while it was away is lost: read it all again
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                needsResync = true;
            }
        });
        this.worker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smproxy-store");
            t.setDaemon(true);
            t.setContextClassLoader(RedisStore.class.getClassLoader());
            return t;
        });
        worker.setRemoveOnCancelPolicy(true);
    }

    // ---- writes from this replica ---------------------------------------------------------------------------------

    @Override
    public Node report(NodeReport report) {
        Node node = cluster.report(report, false);
        unsharedRemovals.remove(report.id());
        Runnable keep = () -> unsharedReports.put(report.id(), report);
        if (!share(keep, RedisScripts.HEARTBEAT, report.id(), TierView.json(report))) {
            keep.run();
        }
        return node;
    }

    @Override
    public Node setAdminState(String nodeId, NodeState newState) {
        if (state != StoreHealth.State.SYNCED) {
            throw new ClusterException.SharedStateUnavailable("the cluster store (" + where + ") is out of reach, so an"
                    + " operator state would hold on this replica only; try again when /as/v1/ready answers 200");
        }
        Node node = cluster.setAdminState(nodeId, newState);
        share(RedisScripts.ADMIN, nodeId, newState == null ? "" : newState.name());
        return node;
    }

    @Override
    public void remove(String nodeId, String reason) {
        cluster.remove(nodeId, reason);
        unsharedReports.remove(nodeId);
        Runnable keep = () -> unsharedRemovals.put(nodeId, reason);
        if (!share(keep, RedisScripts.REMOVE, nodeId, reason)) {
            keep.run();
        }
    }

    @Override
    public void revokeNodeToken(String tokenId) {
        // refused while out of reach, like an operator state: a revocation holding on one replica only is no revocation
        if (!share(() -> unsharedRevocations.add(tokenId), RedisScripts.REVOKE, tokenId)) {
            throw new ClusterException.SharedStateUnavailable("the cluster store (" + where + ") is out of reach, so the"
                    + " revocation would hold on this replica only; try again when /as/v1/ready answers 200");
        }
        tier.revoked().add(tokenId);
    }

    @Override
    public boolean nodeTokenRevoked(String tokenId) {
        return tier.revoked().contains(tokenId);
    }

    @Override
    public java.util.Set<String> revokedNodeTokens() {
        return java.util.Set.copyOf(tier.revoked());
    }

    @Override
    public void putProvisions(List<Provision> provisions) {
        shareProvisions(ProvisionWrites.puts(provisions));
        cluster.provisions().put(provisions);
    }

    @Override
    public void removeProvision(String nodeGroup, String guid) {
        shareProvisions(List.of(ProvisionWrites.removal(nodeGroup, guid)));
        cluster.provisions().remove(nodeGroup, guid);
    }

    /** Refused while out of reach, like a revocation: a provision on one replica only would transcode by chance. */
    private void shareProvisions(List<ProvisionWrites.Write> writes) {
        if (!share(() -> provisionWrites.failed(writes), RedisScripts.PROVISIONS, provisionWrites.sending(writes))) {
            provisionWrites.refused(writes);
            throw new ClusterException.SharedStateUnavailable("the cluster store (" + where + ") is out of reach, so the"
                    + " provision would change on this replica only; try again when /as/v1/ready answers 200");
        }
    }

    @Override
    public void sessionOpened(SessionInfo session) {
        localSessions.put(session.id(), session);
        share(RedisScripts.SESSION_OPEN, session.id(), TierView.json(session)); // a resync re-shares every live session
    }

    @Override
    public void sessionClosed(String sessionId) {
        if (localSessions.remove(sessionId) != null) {
            share(RedisScripts.SESSION_CLOSE, sessionId);
        }
    }

    @Override
    public Collection<SessionInfo> remoteSessions() {
        return tier.remoteSessions();
    }

    @Override
    public void kickRemote(String idOrStream) {
        if (!share(RedisScripts.KICK, idOrStream == null ? "" : idOrStream)) {
            throw new ClusterException.SharedStateUnavailable("the cluster store (" + where + ") is out of reach: sessions"
                    + " on other replicas cannot be closed from here now");
        }
    }

    @Override
    public void onKick(BiConsumer<String, String> kicker) {
        tier.onKick(kicker);
    }

    /**
     * Sends a write without waiting. False when it cannot go now (not synced); a write that fails later marks the
     * view for a resync, which re-shares what this replica holds.
     */
    private boolean share(String script, String... args) {
        return share(() -> { }, script, args);
    }

    private boolean share(Runnable onFailure, String script, String... args) {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null || state != StoreHealth.State.SYNCED) {
            return false;
        }
        RedisFuture<Object> sent;
        try {
            sent = c.async().eval(script, ScriptOutputType.INTEGER, new String[0], withPrefix(args));
        } catch (RuntimeException refused) { // e.g. the client's bounded queue is full
            onFailure.run();
            needsResync = true;
            return true;
        }
        sent.whenComplete((ok, failure) -> {
            if (failure != null) {
                onFailure.run();
                needsResync = true;
                log.debug("cluster store write failed ({}); the next resync re-shares this replica's view", failure.toString());
            }
        });
        return true;
    }

    private String[] withPrefix(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = prefix;
        all[1] = replica;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    // ---- the store's thread ---------------------------------------------------------------------------------------

    @Override
    public void start() {
        worker.scheduleWithFixedDelay(this::tick, 0, tickMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void housekeep() {
        // expiry is the server's (TICK): one decision for the tier, by one clock
    }

    private void tick() {
        try {
            if (conn == null && !connect()) {
                return;
            }
            List<Object> beat = call(RedisScripts.TICK, ScriptOutputType.MULTI, Long.toString(heartbeatTimeoutMs),
                    Long.toString(REPLICA_TIMEOUT_MS));
            long expired = (Long) beat.get(1);
            if (expired > 0) {
                log.debug("tier-wide expiry dropped {} silent node(s)", expired);
            }
            if (state != StoreHealth.State.SYNCED || needsResync) {
                resync();
            }
        } catch (Exception e) {
            lost(e);
        } catch (Error e) {
            log.error("cluster store housekeeping failed", e); // keep the schedule alive
        }
    }

    private boolean connect() {
        try {
            StatefulRedisConnection<String, String> c = client.connect(uri);
            StatefulRedisPubSubConnection<String, String> s = client.connectPubSub(uri);
            s.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    enqueue(message);
                }
            });
            s.sync().subscribe(channel);
            conn = c;
            sub = s;
            log.info("cluster store: connected to {} as replica '{}' (key prefix '{}')", where, replica, prefix);
            return true;
        } catch (RuntimeException e) {
            attempts++;
            detail = where + " unreachable: " + rootMessage(e);
            if (attempts == 1 || attempts % LOG_EVERY_ATTEMPTS == 0) {
                log.warn("cluster store {} unreachable at start-up ({}); retrying every {} ms (attempt {}). Until it answers"
                        + " this replica serves its own heartbeats only and /as/v1/ready answers 503", where,
                        rootMessage(e), tickMs, attempts);
            }
            return false;
        }
    }

    /** Re-shares what this replica holds, then reads the whole state and makes the local view equal to it. */
    private void resync() throws Exception {
        boolean afterOutage = state == StoreHealth.State.DEGRADED;
        needsResync = false; // before reading: a change of connection during the read asks for another
        if (afterOutage) {
            call(RedisScripts.HOLD_SWEEP, ScriptOutputType.INTEGER, Long.toString(heartbeatTimeoutMs));
        }
        for (Map.Entry<String, String> e : unsharedRemovals.entrySet()) {
            call(RedisScripts.REMOVE, ScriptOutputType.INTEGER, e.getKey(), e.getValue());
            unsharedRemovals.remove(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, NodeReport> e : unsharedReports.entrySet()) {
            call(RedisScripts.HEARTBEAT, ScriptOutputType.INTEGER, e.getKey(), TierView.json(e.getValue()));
            unsharedReports.remove(e.getKey(), e.getValue());
        }
        for (String id : unsharedRevocations) {
            call(RedisScripts.REVOKE, ScriptOutputType.INTEGER, id);
            unsharedRevocations.remove(id);
        }
        String held = call(RedisScripts.EPOCH, ScriptOutputType.VALUE, UUID.randomUUID().toString());
        int lost = provisionWrites.serverHolds(held, cluster.provisions().all());
        if (lost > 0) {
            log.warn("cluster store {} lost its data since the last sync: sharing this replica's {} provision(s) again",
                    where, lost);
        }
        for (ProvisionWrites.Write w : provisionWrites.unshared()) {
            call(RedisScripts.PROVISIONS, ScriptOutputType.INTEGER, w.nodeGroup(), w.guid(), w.json());
            provisionWrites.reshared(w);
        }
        call(RedisScripts.RESET_SESSIONS, ScriptOutputType.INTEGER);
        for (SessionInfo s : localSessions.values()) {
            call(RedisScripts.SESSION_OPEN, ScriptOutputType.INTEGER, s.id(), TierView.json(s));
        }
        List<Object> snapshot = call(RedisScripts.SNAPSHOT, ScriptOutputType.MULTI);
        int nodes = tier.applySnapshot(snapshot);
        long now = cluster.nowMillis();
        if (state != StoreHealth.State.SYNCED) {
            if (afterOutage) {
                log.warn("cluster store {} is back after {} ms: re-shared this replica's view and resynced ({} node(s))",
                        where, now - stateSince, nodes);
            } else {
                log.info("cluster store {}: synced {} node(s); this replica is ready", where, nodes);
            }
            state = StoreHealth.State.SYNCED;
            stateSince = now;
            attempts = 0;
        } else {
            log.info("cluster store {}: resynced after a reconnect ({} node(s))", where, nodes);
        }
        detail = "connected to " + where;
    }

    private void lost(Exception e) {
        detail = where + " unreachable: " + rootMessage(e);
        needsResync = true;
        if (state == StoreHealth.State.SYNCED) {
            state = StoreHealth.State.DEGRADED;
            stateSince = cluster.nowMillis();
            log.warn("cluster store {} lost ({}): serving from the last view; heartbeats received here are kept and"
                    + " re-shared when it returns; operator state changes answer 503 meanwhile", where, rootMessage(e));
        }
    }

    // ---- changes from the other replicas -------------------------------------------------------------------------

    private void enqueue(String message) {
        if (pendingEvents.incrementAndGet() > MAX_PENDING_EVENTS) {
            pendingEvents.decrementAndGet();
            needsResync = true; // dropped: the resync reads what it said
            return;
        }
        try {
            worker.execute(() -> {
                pendingEvents.decrementAndGet();
                try {
                    if (tier.onEvent(message)) {
                        needsResync = true;
                    }
                } catch (RuntimeException e) {
                    log.warn("cluster store: change not applied ({}): {}", e.toString(), TierView.abbreviate(message));
                }
            });
        } catch (RejectedExecutionException closing) {
            pendingEvents.decrementAndGet();
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private <T> T call(String script, ScriptOutputType type, String... args) throws Exception {
        StatefulRedisConnection<String, String> c = conn;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        RedisFuture<Object> f = c.async().eval(script, type, new String[0], withPrefix(args));
        return (T) f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth("redis", state, stateSince, detail, replica);
    }

    @Override
    public String replicaId() {
        return replica;
    }

    /** Leaves the tier cleanly: this replica's sessions vanish from the registry at once instead of timing out. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            if (conn != null && state == StoreHealth.State.SYNCED) {
                call(RedisScripts.LEAVE, ScriptOutputType.INTEGER);
            }
        } catch (Exception e) {
            log.debug("cluster store: could not leave cleanly ({}); the tier drops this replica in {} ms", e.toString(),
                    REPLICA_TIMEOUT_MS);
        }
        if (sub != null) {
            sub.closeAsync();
        }
        if (conn != null) {
            conn.closeAsync();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
