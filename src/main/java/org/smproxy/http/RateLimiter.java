package org.smproxy.http;

import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.smproxy.config.Networks;
import org.smproxy.config.ProxyConfig;

/**
 * Token buckets per client and kind of request, so that one address flooding offers, upgrades or token guesses is
 * answered {@code 429} with {@code Retry-After} while everyone else is served. The buckets live in a bounded cache
 * (a flood of distinct addresses cannot grow the heap past it) and in this replica only: behind a load balancer
 * that spreads one client over N replicas, that client gets up to N times the rate.
 */
public final class RateLimiter {
    /** What is limited, with the key that sets it. */
    public enum Kind {
        OFFERS("WHIP/WHEP offers", "proxy.rateLimit.offers"),
        WEBSOCKET("WebSocket upgrades", "proxy.rateLimit.websocket"),
        LOOKUPS("stream lookups", "proxy.rateLimit.lookups"),
        HEARTBEATS("heartbeats", "proxy.rateLimit.heartbeats"),
        ADMIN("admin calls", "proxy.rateLimit.admin"),
        AUTH_FAILURES("failed token checks", "proxy.rateLimit.authFailures");

        final String what;
        final String key;

        Kind(String what, String key) {
            this.what = what;
            this.key = key;
        }
    }

    /** Enough for every client of a busy cluster at once; past it the least recently seen lose their bucket. */
    private static final int MAX_BUCKETS = 100_000;

    private final Map<Kind, ProxyConfig.Rate> rates = new EnumMap<>(Kind.class);
    private final Map<Kind, LongAdder> refused = new EnumMap<>(Kind.class);
    private final LongAdder authFailures = new LongAdder();
    private final Networks trustedProxies;
    private final LongSupplier nanos;
    private final Cache<String, Bucket> buckets;

    public RateLimiter(ProxyConfig.Limits limits) {
        this(limits, System::nanoTime);
    }

    RateLimiter(ProxyConfig.Limits limits, LongSupplier nanos) {
        this.trustedProxies = limits.trustedProxies();
        this.nanos = nanos;
        put(Kind.OFFERS, limits.offers());
        put(Kind.WEBSOCKET, limits.webSocket());
        put(Kind.LOOKUPS, limits.lookups());
        put(Kind.HEARTBEATS, limits.heartbeats());
        put(Kind.ADMIN, limits.admin());
        put(Kind.AUTH_FAILURES, limits.authFailures());
        for (Kind k : Kind.values()) {
            refused.put(k, new LongAdder());
        }
        // A bucket untouched for a minute is full again under any sane rate, so forgetting it changes nothing.
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_BUCKETS).expireAfterAccess(Duration.ofMinutes(1)).build();
    }

    private void put(Kind kind, ProxyConfig.Rate rate) {
        if (rate != null) {
            rates.put(kind, rate);
        }
    }

    /** Takes one request of this kind from the key's bucket. @throws ApiException 429 when it is empty */
    public void take(Kind kind, String key) {
        admit(kind, key, true);
    }

    /**
     * Before checking a token: a client that has spent its failures waits, whatever it presents now, so guessing
     * runs at the configured rate at most. Only a failure takes from the bucket ({@link #tokenFailed}).
     */
    public void beforeTokenCheck(String client) {
        admit(Kind.AUTH_FAILURES, client, false);
    }

    private void admit(Kind kind, String key, boolean consume) {
        ProxyConfig.Rate rate = rates.get(kind);
        if (rate == null) {
            return;
        }
        Bucket bucket = bucket(kind, key, rate);
        long now = nanos.getAsLong();
        long wait = consume ? bucket.take(now) : bucket.waitFor(now);
        if (wait > 0) {
            refused.get(kind).increment();
            throw tooMany(kind, key, rate, wait);
        }
    }

    /** A token was missing or wrong: counted, and taken from the client's failure bucket. */
    public void tokenFailed(String client) {
        authFailures.increment();
        ProxyConfig.Rate rate = rates.get(Kind.AUTH_FAILURES);
        if (rate != null) {
            bucket(Kind.AUTH_FAILURES, client, rate).take(nanos.getAsLong());
        }
    }

    private Bucket bucket(Kind kind, String key, ProxyConfig.Rate rate) {
        return buckets.get(kind.ordinal() + "|" + key, k -> new Bucket(rate, nanos.getAsLong()));
    }

    private static ApiException tooMany(Kind kind, String key, ProxyConfig.Rate rate, long waitNanos) {
        int seconds = (int) Math.max(1, Math.min(3600, (waitNanos + 999_999_999L) / 1_000_000_000L));
        return new ApiException(429, "too many " + kind.what + " from " + key + ": at most " + rate + " (" + kind.key
                + "); retry in " + seconds + " s", seconds);
    }

    /**
     * Who the client is: the socket's peer, or, when that peer is a trusted proxy, the nearest address in its
     * {@code X-Forwarded-For} (else {@code Forwarded: for=}) that is not a trusted proxy itself. Anything that is
     * not an address literal ends the walk, so a client cannot put a made-up name in front of the real one.
     */
    public String clientOf(HttpIn in) {
        String peer = in.remoteAddress();
        if (trustedProxies.isEmpty() || !trusted(peer)) {
            return peer;
        }
        String forwarded = in.header("X-Forwarded-For");
        String[] hops;
        if (forwarded != null) {
            hops = forwarded.split(",");
        } else {
            String std = in.header("Forwarded");
            if (std == null) {
                return peer;
            }
            hops = forwardedFor(std);
        }
        String client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            InetAddress hop = Networks.literal(strip(hops[i]));
            if (hop == null) {
                break;
            }
            client = hop.getHostAddress();
            if (!trustedProxies.contains(hop)) {
                break;
            }
        }
        return client;
    }

    private boolean trusted(String address) {
        InetAddress a = Networks.literal(address);
        return a != null && trustedProxies.contains(a);
    }

    /** The {@code for=} values of RFC 7239's {@code Forwarded}, in order; other parameters are ignored. */
    private static String[] forwardedFor(String header) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String element : header.split(",")) {
            String value = "";
            for (String pair : element.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
                    value = pair.substring(eq + 1);
                }
            }
            out.add(value);
        }
        return out.toArray(String[]::new);
    }

    /** An address as proxies write it: maybe quoted, IPv6 in brackets, maybe with a port. */
    static String strip(String hop) {
        String h = hop.trim();
        if (h.length() >= 2 && h.startsWith("\"") && h.endsWith("\"")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(1, close);
        }
        int colon = h.indexOf(':');
        return colon > 0 && colon == h.lastIndexOf(':') ? h.substring(0, colon) : h; // IPv4 with a port
    }

    public long refused(Kind kind) {
        return refused.get(kind).sum();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    /** A token bucket; synchronized, since a client's requests may arrive on several I/O threads at once. */
    public static final class Bucket {
        private final double perNano;
        private final double burst;
        private double tokens;
        private long last;

        public Bucket(ProxyConfig.Rate rate, long now) {
            this.perNano = rate.perSecond() / 1e9;
            this.burst = rate.burst();
            this.tokens = burst;
            this.last = now;
        }

        /** Takes a token; 0 when there was one, else how long until there is. */
        public synchronized long take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return untilOne();
        }

        synchronized long waitFor(long now) {
            refill(now);
            return tokens >= 1 ? 0 : untilOne();
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + Math.max(0, now - last) * perNano);
            last = now;
        }

        private long untilOne() {
            return (long) Math.ceil((1 - tokens) / perNano);
        }
    }
}
