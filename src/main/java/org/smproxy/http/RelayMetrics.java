package org.smproxy.http;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What every relay (WHIP, WHEP, WebSocket upgrades, HLS) reports: {@code smproxy.relay.requests} by kind, method and
 * status, with histogram buckets for latency quantiles across replicas; {@code smproxy.relay.failovers} by kind (a
 * request a node refused, sent to another); {@code smproxy.node.errors} by kind and node (refused, reset or timed-out
 * connections, answers that are not HTTP). The meters are kept: looking one up in the registry by its tags on every
 * request cost more than the relay's own routing (measured in the Netty spike's profile).
 */
public final class RelayMetrics {
    public static final String[] KINDS = {"whip", "whep", "ws", "hls"};
    /** Buckets a signalling or HLS request lands in: from a cached segment to a node at its timeout. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(15)};
    /** Nodes come and go with autoscaling: past this many (kind, node) pairs, further ones share node="other". */
    private static final int MAX_NODE_SERIES = 2000;

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> failovers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> nodeErrors = new ConcurrentHashMap<>();

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String kind : KINDS) {
            failovers.put(kind, Counter.builder("smproxy.relay.failovers").tag("kind", kind)
                    .description("requests a node refused, sent to another node").register(registry));
        }
    }

    public void record(String kind, String method, int status, long startNanos) {
        // bounded: four kinds, a few methods, the statuses nodes and the proxy answer with
        Timer t = timers.computeIfAbsent(kind + ' ' + method + ' ' + status, k -> Timer.builder("smproxy.relay.requests")
                .tag("kind", kind).tag("method", method).tag("status", String.valueOf(status))
                .serviceLevelObjectives(BUCKETS).register(registry));
        t.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void failover(String kind) {
        failovers.computeIfAbsent(kind, k -> Counter.builder("smproxy.relay.failovers").tag("kind", k).register(registry))
                .increment();
    }

    public void nodeError(String kind, String nodeId) {
        String key = kind + ' ' + nodeId;
        Counter c = nodeErrors.get(key);
        if (c == null) {
            String node = nodeErrors.size() < MAX_NODE_SERIES ? nodeId : "other";
            c = nodeErrors.computeIfAbsent(nodeErrors.size() < MAX_NODE_SERIES ? key : kind + " other", k ->
                    Counter.builder("smproxy.node.errors").tag("kind", kind).tag("node", node)
                            .description("connections to a node that failed: refused, reset, timed out, not HTTP")
                            .register(registry));
        }
        c.increment();
    }
}
