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
 * so no answer arrives unobserved. Also what arrives there that is not signalling (relayed stream messages), in order.
 */
final class ChannelFrames {
    private final RTCDataChannel channel;
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final List<byte[]> binaries = new ArrayList<>();
    private final DataChannels life;

    ChannelFrames(RTCDataChannel channel) {
        this.channel = channel;
        this.life = DataChannels.watch(channel, this::received, this::receivedBytes);
    }

    private synchronized void receivedBytes(byte[] bytes) {
        binaries.add(bytes);
    }

    private synchronized void received(String text) {
        texts.add(text);
        try {
            frames.add(WsFrames.parse(text));
            notifyAll();
        } catch (JsonProcessingException e) {
            // not signalling; Red5's SDK ignores such messages too
        }
    }

    void send(ObjectNode message) throws IOException {
        send(message.toString());
    }

    void send(String text) throws IOException {
        if (!DataChannels.send(channel, text)) {
            throw new IOException("data channel " + channel.getLabel() + " is not open");
        }
    }

    void sendBytes(byte[] bytes) throws IOException {
        if (!DataChannels.sendBytes(channel, bytes)) {
            throw new IOException("data channel " + channel.getLabel() + " is not open");
        }
    }

    synchronized List<byte[]> binaries() {
        return List.copyOf(binaries);
    }

    /** Every text message received so far, JSON or not, in arrival order. */
    synchronized List<String> texts() {
        return List.copyOf(texts);
    }

    void awaitOpen(Duration timeout) throws TimeoutException {
        try {
            life.open().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("data channel " + channel.getLabel() + " closed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
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
