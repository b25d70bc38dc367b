package org.smproxy.sim;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A data channel's life as futures: signalling may move to it once it is open, and a session that moved there
 * ends when it closes (the client's peer went away), as Red5 ends switched sessions.
 *
 * @param open   completes with the label once open; fails if it closes first
 * @param closed completes once the channel is closing or closed
 */
record DataChannels(CompletableFuture<String> open, CompletableFuture<Void> closed) {

    /**
     * Watches a channel. The observer stays registered: unregistering from inside libwebrtc's callback is not
     * safe, and it only reads the state. Callbacks run on libwebrtc's signalling thread: continue asynchronously.
     */
    static DataChannels watch(RTCDataChannel channel) {
        return watch(channel, text -> { });
    }

    /** As {@link #watch(RTCDataChannel)}, handing each text message to {@code onText} on libwebrtc's thread. */
    static DataChannels watch(RTCDataChannel channel, Consumer<String> onText) {
        return watch(channel, onText, bytes -> { });
    }

    /** As {@link #watch(RTCDataChannel, Consumer)}, handing binary messages to {@code onBytes} as well. */
    static DataChannels watch(RTCDataChannel channel, Consumer<String> onText, Consumer<byte[]> onBytes) {
        DataChannels watch = new DataChannels(new CompletableFuture<>(), new CompletableFuture<>());
        String label = channel.getLabel();
        channel.registerObserver(new RTCDataChannelObserver() {
            @Override
            public void onBufferedAmountChange(long previousAmount) {
            }

            @Override
            public void onStateChange() {
                watch.check(channel, label);
            }

            @Override
            public void onMessage(RTCDataChannelBuffer buffer) {
                byte[] bytes = new byte[buffer.data.remaining()];
                buffer.data.get(bytes);
                if (buffer.binary) {
                    onBytes.accept(bytes);
                } else {
                    onText.accept(new String(bytes, StandardCharsets.UTF_8));
                }
            }
        });
        // It may have opened before the observer was registered (a remote channel usually has).
        watch.check(channel, label);
        return watch;
    }

    private void check(RTCDataChannel channel, String label) {
        RTCDataChannelState state = channel.getState();
        if (state == RTCDataChannelState.OPEN) {
            open.complete(label);
        } else if (state == RTCDataChannelState.CLOSING || state == RTCDataChannelState.CLOSED) {
            open.completeExceptionally(new IllegalStateException("data channel " + label + " " + state));
            closed.complete(null);
        }
    }

    /** Sends a text message if the channel is open; false if it is not (or the send failed). */
    static boolean send(RTCDataChannel channel, String text) {
        return send(channel, text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** As {@link #send(RTCDataChannel, String)}, for a binary message. */
    static boolean sendBytes(RTCDataChannel channel, byte[] bytes) {
        return send(channel, bytes, true);
    }

    private static boolean send(RTCDataChannel channel, byte[] bytes, boolean binary) {
        if (channel.getState() != RTCDataChannelState.OPEN) {
            return false;
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length); // the native side reads the buffer's address
        direct.put(bytes).flip();
        try {
            channel.send(new RTCDataChannelBuffer(direct, binary));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
