package org.smproxy.http;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether this replica takes new sessions, and how many requests it is in the middle of. On shutdown it drains:
 * readiness turns 503 so the load balancer stops sending, new WHIP/WHEP offers and WebSocket upgrades are refused
 * with 503 and {@code Retry-After} (another replica takes the retry), while requests in flight and the PATCH/DELETE
 * of sessions already made go on being served.
 */
public final class Admission {
    /** Long enough for a load balancer to mark this replica down; the retry lands elsewhere. */
    public static final int RETRY_AFTER_SECONDS = 2;

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** @throws ApiException 503 while draining */
    public void admitNew(String what) {
        if (draining) {
            throw new ApiException(503, "this proxy is shutting down and takes no new " + what
                    + "; retry, and another replica will", RETRY_AFTER_SECONDS);
        }
    }

    public void begin() {
        inFlight.incrementAndGet();
    }

    public void end() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }
}
