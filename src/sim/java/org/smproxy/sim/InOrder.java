package org.smproxy.sim;

import java.util.concurrent.CompletableFuture;

/**
 * Runs a session's incoming messages one after another, off libwebrtc's thread: a handler may call back into
 * libwebrtc (answer on a data channel), and the SDK's messages must be seen in the order they were sent.
 */
final class InOrder {

    private static final System.Logger LOG = System.getLogger(InOrder.class.getName());
    /** Guarded by this. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    synchronized void run(Runnable task) {
        tail = tail.thenRunAsync(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // one bad message must not stop the ones after it
                LOG.log(System.Logger.Level.WARNING, "message handler failed", e);
            }
        });
    }
}
