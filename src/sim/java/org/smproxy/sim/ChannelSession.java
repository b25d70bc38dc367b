package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.onvoid.webrtc.RTCDataChannel;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The {@code red5pro} data channel of a WHIP publisher or a WHEP player, Red5's WHIPClient/WHEPClient messaging:
 * what the client sends there goes to {@link StreamMessaging}, and a player hears its stream's messages and its
 * end there. Messages that are not the core's are, from a publisher, relayed as they are.
 */
final class ChannelSession implements StreamMessaging.Player, StreamMessaging.Sender {

    private final StreamMessaging messaging;
    private final RTCDataChannel channel;
    private final String streamGuid;
    /** True while this session is the stream's running publish; always false for a player. */
    private final BooleanSupplier publishing;
    private final Consumer<Muting> holdBack;
    private final Muting muting = new Muting();
    private final InOrder incoming = new InOrder();

    private ChannelSession(StreamMessaging messaging, RTCDataChannel channel, String streamGuid,
                           BooleanSupplier publishing, Consumer<Muting> holdBack) {
        this.messaging = messaging;
        this.channel = channel;
        this.streamGuid = streamGuid;
        this.publishing = publishing;
        this.holdBack = holdBack;
    }

    /** A WHIP publisher's channel, which the client opens; its messages count while {@code session} is live. */
    static void publisher(SimNode node, WhipSession session) {
        session.remoteDataChannel().thenAccept(channel -> new ChannelSession(node.messaging(), channel,
                session.streamGuid(), () -> node.ingest().session(session.streamGuid()).orElse(null) == session,
                m -> { }).watch());
    }

    /** A WHEP player's channel, which the node offered; it hears its stream until the channel closes. */
    static void player(SimNode node, WhepSession session) {
        session.signalChannel().ifPresent(channel -> {
            ChannelSession player = new ChannelSession(node.messaging(), channel, session.streamGuid(), () -> false,
                    m -> session.holdBackVideo(m.video()));
            node.messaging().join(player);
            player.watch().closed().thenRun(() -> node.messaging().leave(player));
        });
    }

    private DataChannels watch() {
        return DataChannels.watch(channel, text -> incoming.run(() -> received(text)),
                bytes -> incoming.run(() -> messaging.unclaimedBytes(this, bytes)));
    }

    private void received(String text) {
        JsonNode msg;
        try {
            msg = WsFrames.parse(text);
        } catch (JsonProcessingException e) {
            msg = null;
        }
        if (msg == null || !msg.isObject() || !messaging.handle(this, msg)) {
            messaging.unclaimed(this, text, msg);
        }
    }

    @Override
    public String liveStream() {
        return publishing.getAsBoolean() ? streamGuid : null;
    }

    @Override
    public void reply(String frame) {
        DataChannels.send(channel, frame);
    }

    @Override
    public Muting muting() {
        return muting;
    }

    @Override
    public void holdBack(Muting m) {
        holdBack.accept(m);
    }

    @Override
    public void relayed(String stream, String frame) {
        if (stream.equals(streamGuid)) {
            DataChannels.send(channel, frame);
        }
    }

    @Override
    public void relayedBytes(String stream, byte[] bytes) {
        if (stream.equals(streamGuid)) {
            DataChannels.sendBytes(channel, bytes);
        }
    }

    /** As Red5 tells a WHEP player on its channel; the SDK then ends the subscription. */
    @Override
    public void unpublished(String stream) {
        if (stream.equals(streamGuid)) {
            DataChannels.send(channel, WsFrames.status(WsFrames.UNPUBLISH_NOTIFY,
                    stream.substring(stream.lastIndexOf('/') + 1)));
        }
    }
}
