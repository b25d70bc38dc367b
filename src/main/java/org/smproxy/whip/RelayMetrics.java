package org.smproxy.whip;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code smproxy.relay.requests} by kind, method and status. The timers are kept: looking one up in the registry
 * by its tags on every request cost more than the relay's own routing (measured in the Netty spike's profile).
 */
public final class RelayMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(RelayKind kind, String method, int status, long startNanos) {
        // bounded: two kinds, four methods, the statuses nodes and the proxy answer with
        Timer t = timers.computeIfAbsent(kind.word() + ' ' + method + ' ' + status, k -> Timer.builder("smproxy.relay.requests")
                .tag("kind", kind.word()).tag("method", method).tag("status", String.valueOf(status)).register(registry));
        t.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
