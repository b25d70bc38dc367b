package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCDataChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A client's signalling on the {@code red5pro} data channel, where Red5's SDK moves it after the hand-off: what
 * it sends there, and the node's frames, awaited as on the socket. Watch the channel before asking for the switch,
 * so no answer arrives unobserved.
 */
final class ChannelFrames {
    private final RTCDataChannel channel;
    private final List<JsonNode> frames = new ArrayList<>();

    ChannelFrames(RTCDataChannel channel) {
        this.channel = channel;
        DataChannels.watch(channel, this::received);
    }

    private synchronized void received(String text) {
        try {
            frames.add(WsFrames.parse(text));
            notifyAll();
        } catch (JsonProcessingException e) {
            // not signalling; Red5's SDK ignores such messages too
        }
    }

    void send(ObjectNode message) throws IOException {
        if (!DataChannels.send(channel, message.toString())) {
            throw new IOException("data channel " + channel.getLabel() + " is not open");
        }
    }

    synchronized JsonNode await(Predicate<JsonNode> wanted, Duration timeout) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (JsonNode f : frames) {
                if (wanted.test(f)) {
                    return f;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no such frame on data channel " + channel.getLabel() + " in "
                        + timeout.toMillis() + " ms; got " + frames);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeoutException("interrupted");
            }
        }
    }

    static Predicate<JsonNode> status(String code) {
        return f -> code.equals(f.path("data").path("code").asText());
    }
}
