package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.websocket.CloseReason;

/** What a client socket received, and bounded waits on it (re-checked whenever a frame arrives or it closes). */
final class FrameLog {

    private final List<JsonNode> frames = new ArrayList<>();
    private CloseReason closeReason;

    synchronized void add(JsonNode frame) {
        frames.add(frame);
        notifyAll();
    }

    synchronized void closed(CloseReason reason) {
        closeReason = reason;
        notifyAll();
    }

    synchronized List<JsonNode> frames() {
        return List.copyOf(frames);
    }

    synchronized CloseReason closeReason() {
        return closeReason;
    }

    /** The first frame (received at any time) that matches; fails fast on an error frame or a closed socket. */
    JsonNode await(Predicate<JsonNode> match, Duration timeout) throws IOException, TimeoutException {
        return waitFor(timeout, "matching frame", () -> {
            for (JsonNode frame : frames) {
                if (match.test(frame)) {
                    return frame;
                }
                if ("error".equals(frame.path("data").path("type").asText())) {
                    JsonNode data = frame.get("data");
                    throw new SimWsException(data.path("code").asText("error"), data.path("message").asText());
                }
            }
            if (closeReason != null) {
                throw new SimWsException("closed", "socket closed: " + closeReason);
            }
            return null;
        });
    }

    CloseReason awaitClosed(Duration timeout) throws IOException, TimeoutException {
        return waitFor(timeout, "close", () -> closeReason);
    }

    private synchronized <T> T waitFor(Duration timeout, String what, Check<T> check)
            throws IOException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T result = check.get();
            if (result != null) {
                return result;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no " + what + " in " + timeout.toMillis() + " ms; got " + frames);
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeoutException("interrupted");
            }
        }
    }

    private interface Check<T> {
        T get() throws IOException;
    }
}
