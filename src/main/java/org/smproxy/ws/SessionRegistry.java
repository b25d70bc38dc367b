package org.smproxy.ws;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.RelayMetrics;
import org.smproxy.store.ClusterStore;
import org.smproxy.store.SessionInfo;

/**
 * Every proxied WebSocket session of this server, for the admin APIs, the per-address cap, pings and the reaper of
 * half-dead pairs. Lock-free; sessions add and remove themselves. The tier learns of them through the cluster store
 * (the live sessions themselves never leave this replica).
 */
public final class SessionRegistry {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);
    private final RelayMetrics metrics;
    private final LongAdder opened = new LongAdder();
    private final java.util.Map<String, LongAdder> closed = byKind();

    private final ConcurrentHashMap<String, WsSession> sessions = new ConcurrentHashMap<>();
    private final ClusterStore store;
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final String prefix = Long.toHexString(System.nanoTime() & 0xFFFFFFFFL).toUpperCase();
    /** Deadlines of sessions (a close handshake the node never finishes); one daemon thread for all of them. */
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "smproxy-ws-timers");
        t.setDaemon(true);
        t.setContextClassLoader(SessionRegistry.class.getClassLoader());
        return t;
    });

    public SessionRegistry(ClusterStore store, RelayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    private static java.util.Map<String, LongAdder> byKind() {
        java.util.Map<String, LongAdder> m = new java.util.HashMap<>();
        CloseCodes.KINDS.forEach(k -> m.put(k, new LongAdder()));
        return m;
    }

    /** Sessions opened since start. */
    public long opened() {
        return opened.sum();
    }

    /** Sessions closed since start whose first close code was of this {@link CloseCodes#kind}. */
    public long closed(String kind) {
        LongAdder n = closed.get(kind);
        return n == null ? 0 : n.sum();
    }

    /** A node that did not take a session's upgrade, for the node error count. */
    public void nodeUnreachable(WsTarget target) {
        metrics.nodeError("ws", target.nodeId());
    }

    /** Runs a session's deadline (a close handshake the node never finishes) on the registry's one timer thread. */
    public void schedule(Runnable task, long delayMillis) {
        try {
            timers.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            task.run();
        }
    }

    /** Ids look like SM 1.x's: a per-process prefix and a counter. */
    public String nextId() {
        return prefix + "-" + sequence.incrementAndGet();
    }

    public void add(WsSession s) {
        opened.increment();
        sessions.put(s.id(), s);
        perAddress.computeIfAbsent(s.target().clientAddress(), a -> new AtomicInteger()).incrementAndGet();
        store.sessionOpened(info(s));
    }

    /** The session's state moved (its node leg connected): the tier's listing follows. */
    public void changed(WsSession s) {
        if (sessions.get(s.id()) == s) {
            store.sessionOpened(info(s));
        }
    }

    public void remove(WsSession s) {
        if (sessions.remove(s.id(), s)) {
            closed.get(CloseCodes.kind(s.closeCode())).increment();
            perAddress.computeIfPresent(s.target().clientAddress(), (a, n) -> n.decrementAndGet() <= 0 ? null : n);
            store.sessionClosed(s.id());
        }
    }

    /** A live session as the tier lists it. */
    SessionInfo info(WsSession s) {
        WsTarget t = s.target();
        String status = !s.healthy() ? "UNHEALTHY" : s.proxyConnected() ? "CONNECTED" : "CONNECTING";
        return new SessionInfo(s.id(), store.replicaId(), t.label(), t.app(), t.upstream().getHost(), t.upstreamPort(),
                t.clientAddress(), t.userAgent(), t.secure(), s.createdMillis(), status, s.clientConnected(),
                s.proxyConnected());
    }

    public int countFrom(String address) {
        AtomicInteger n = perAddress.get(address);
        return n == null ? 0 : n.get();
    }

    public int size() {
        return sessions.size();
    }

    public List<WsSession> list() {
        List<WsSession> all = new ArrayList<>(sessions.values());
        all.sort(Comparator.comparingLong(WsSession::createdMillis));
        return all;
    }

    public Optional<WsSession> get(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    /** Sessions whose id or stream (label) matches: what SM 2.0's rtcproxy DELETE takes. */
    public List<WsSession> find(String idOrLabel) {
        List<WsSession> found = new ArrayList<>();
        for (WsSession s : sessions.values()) {
            if (s.id().equals(idOrLabel) || s.target().label().equals(idOrLabel)) {
                found.add(s);
            }
        }
        return found;
    }

    /** Pings both legs of every session, and closes pairs that have had one leg down for too long. */
    public void housekeep(long nowMillis, long reapAfterMillis, boolean ping) {
        for (WsSession s : sessions.values()) {
            if (!s.healthy() && nowMillis - s.unhealthySinceMillis() >= reapAfterMillis) {
                log.info("reaping WebSocket session {} ({}): one leg has been down for {} ms", s.id(), s.target().label(),
                        nowMillis - s.unhealthySinceMillis());
                s.kick(1001, "proxy session reaped: one side is gone");
            } else if (ping) {
                s.ping();
            }
        }
    }

    public void closeAll(String reason) {
        for (WsSession s : sessions.values()) {
            s.kick(1001, reason);
        }
    }

    /** On shutdown: every session closed, then the timers stopped. */
    public void shutdown() {
        closeAll("the proxy is shutting down");
        timers.shutdown();
    }
}
