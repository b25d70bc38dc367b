package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import dev.onvoid.webrtc.RTCDataChannel;
import javax.websocket.CloseReason;
import javax.websocket.Endpoint;
import javax.websocket.EndpointConfig;
import javax.websocket.MessageHandler;
import javax.websocket.Session;

/**
 * One signalling socket on a node, as Red5 runs it: {@code Connect.Success} on open, then the SDK's JSON
 * requests. A socket carries one publisher or one player. Closing it ends that session unless the client
 * switched signalling to the data channel first ({@code switchChannel}), as Red5 does. Stream messaging
 * ({@code send}, {@code mute}, {@code callAdapter}, raw channel messages) is the node's {@link StreamMessaging}.
 */
final class SignallingEndpoint extends Endpoint implements MessageHandler.Whole<String>, StreamMessaging.Player,
        StreamMessaging.Sender {

    private static final System.Logger LOG = System.getLogger(SignallingEndpoint.class.getName());
    private final Signalling signalling;
    private volatile Session session;
    private volatile String scope;
    private volatile String connectionId;
    private volatile WsPublishSignal publisher;
    private volatile WsPlaySignal player;
    private volatile boolean switched;
    private volatile boolean socketOpen;
    /** The client's {@code red5pro} channel once the session has one: after the switch, signalling goes there. */
    private volatile RTCDataChannel channel;
    private volatile boolean channelClosed;
    private final InOrder channelMessages = new InOrder();
    private final Muting muting = new Muting();
    private final Object sendLock = new Object();
    private final Object messageLock = new Object();

    SignallingEndpoint(Signalling signalling) {
        this.signalling = signalling;
    }

    @Override
    public void onOpen(Session s, EndpointConfig config) {
        session = s;
        scope = scopeOf(s.getRequestURI().getPath());
        List<String> ids = s.getRequestParameterMap().getOrDefault("id", List.of());
        connectionId = ids.isEmpty() ? s.getId() : ids.get(0);
        String refusal = signalling.roundTripAuthRefusal(name -> {
            List<String> values = s.getRequestParameterMap().get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        });
        if (refusal != null) {
            // as Red5: the rejection, then the socket closes; nothing else is ever answered on it
            send(WsFrames.error(WsFrames.CONNECT_REJECTED, refusal));
            try {
                s.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "authentication failed"));
            } catch (IOException e) {
                // the client is gone already: nothing to tell it
            }
            return;
        }
        s.addMessageHandler(this);
        signalling.opened(this);
        socketOpen = true;
        updatePlayerMembership();
        send(WsFrames.status(WsFrames.CONNECT_SUCCESS));
    }

    /** Socket frames and channel messages are handled one at a time, so the signals see them in order. */
    @Override
    public void onMessage(String text) {
        synchronized (messageLock) {
            handle(text, false);
        }
    }

    /**
     * The session's data channel: Red5's SDK moves its messaging there after {@code switchChannel} (e.g.
     * {@code unpublish}), and the node answers there from then on. Returns the channel's life for the signal.
     */
    DataChannels attach(RTCDataChannel dataChannel) {
        channel = dataChannel;
        DataChannels watch = DataChannels.watch(dataChannel, text -> channelMessages.run(() -> fromChannel(text)),
                bytes -> channelMessages.run(() -> signalling.node().messaging().unclaimedBytes(this, bytes)));
        updatePlayerMembership();
        watch.closed().thenRun(() -> {
            channelClosed = true;
            updatePlayerMembership();
        });
        return watch;
    }

    private void fromChannel(String text) {
        synchronized (messageLock) {
            try {
                handle(text, true);
            } catch (RuntimeException e) {
                send(WsFrames.error(StreamMessaging.CALL_FAILED, "message failed: " + e.getMessage()));
            }
        }
    }

    /**
     * On the data channel, what is not signalling may be a publisher's raw message for its players (Red5's testbed
     * sends its own JSON there); on the socket it is ignored, or refused when it is not JSON.
     */
    private void handle(String text, boolean onChannel) {
        JsonNode msg;
        try {
            msg = WsFrames.parse(text);
        } catch (JsonProcessingException e) {
            if (onChannel) {
                signalling.node().messaging().unclaimed(this, text, null);
            } else {
                send(WsFrames.error(StreamMessaging.CALL_FAILED, "not JSON"));
            }
            return;
        }
        SimNode node = signalling.node();
        if (!msg.isObject()) {
            if (onChannel) {
                node.messaging().unclaimed(this, text, msg);
            }
            return;
        }
        if (node.messaging().handle(this, msg)) {
            return;
        }
        if (msg.has("isAvailable")) {
            send(WsFrames.isAvailable(node.streamSource(guid(msg.get("isAvailable").asText())).isPresent()));
        } else if (msg.has("handleOffer")) {
            publisher().offer(msg);
        } else if (msg.has("publish")) {
            publisher().publish(msg);
        } else if (msg.has("unpublish")) {
            publisher().unpublish();
        } else if (msg.has("requestOffer")) {
            player().requestOffer(msg);
        } else if (msg.has("handleAnswer")) {
            player().answer(msg);
        } else if (msg.has("subscribe")) {
            player().subscribe();
        } else if (msg.has("handleCandidate")) {
            // A subscriber's end-of-candidates carries no requestId, so route by what this socket carries.
            if (player != null) {
                player.candidate(msg);
            } else if (publisher != null) {
                publisher.candidate(msg);
            }
        } else if (msg.has("switchChannel")) {
            send(WsFrames.status(WsFrames.DATA_CHANNEL_SWITCHED, msg.get("switchChannel").asText("red5pro")));
            switched = true;
            updatePlayerMembership(); // still told of its stream once the socket is gone
        } else if (onChannel) {
            node.messaging().unclaimed(this, text, msg);
        } else {
            // Shared objects, conference groups and the like are not simulated: ignored, and the session goes on;
            // also unsubscribe and stop, which Red5's SDK does not even send (its unsubscribe() stops the media and
            // closes the connection), in case another client does.
            LOG.log(System.Logger.Level.DEBUG, "node {0}: message not simulated, ignored: {1}", signalling.node().id(),
                    msg.fieldNames().hasNext() ? msg.fieldNames().next() : "{}");
        }
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
        signalling.closed(this);
        socketOpen = false;
        updatePlayerMembership();
        if (!switched) {
            endSessions();
        }
    }

    @Override
    public void onError(Session s, Throwable error) {
        // onClose follows: Tomcat closes the session on every error it reports here.
    }

    /**
     * After the hand-off over the data channel, else over the socket. One writer at a time: JSR-356's basic remote
     * refuses concurrent sends. After close, frames are dropped.
     */
    void send(String frame) {
        RTCDataChannel dc = channel;
        if (switched && dc != null && DataChannels.send(dc, frame)) {
            return;
        }
        Session s = session;
        synchronized (sendLock) {
            if (s == null || !s.isOpen()) {
                return;
            }
            try {
                s.getBasicRemote().sendText(frame);
            } catch (IOException | IllegalStateException e) {
                // the client went away; onClose ends the session
            }
        }
    }

    /** A player hears its stream while its socket is open, or after the switch while its channel is. */
    private synchronized void updatePlayerMembership() {
        boolean reachable = socketOpen || (switched && channel != null && !channelClosed);
        if (reachable) {
            signalling.node().messaging().join(this);
        } else {
            signalling.node().messaging().leave(this);
        }
    }

    @Override
    public void relayed(String streamGuid, String frame) {
        WsPlaySignal p = player;
        if (p != null) {
            p.relayed(streamGuid, frame);
        }
    }

    /** Bytes travel on the data channel only: Red5's signalling socket carries JSON text. */
    @Override
    public void relayedBytes(String streamGuid, byte[] bytes) {
        WsPlaySignal p = player;
        RTCDataChannel dc = channel;
        if (p != null && dc != null && p.plays(streamGuid)) {
            DataChannels.sendBytes(dc, bytes);
        }
    }

    @Override
    public void unpublished(String streamGuid) {
        WsPlaySignal p = player;
        if (p != null) {
            p.unpublished(streamGuid);
        }
    }

    @Override
    public String liveStream() {
        WsPublishSignal p = publisher;
        return p == null ? null : p.liveStream();
    }

    @Override
    public void reply(String frame) {
        send(frame);
    }

    @Override
    public Muting muting() {
        return muting;
    }

    @Override
    public void holdBack(Muting m) {
        WsPlaySignal p = player;
        if (p != null) {
            p.holdBack(m);
        }
    }

    /** The node's stream GUID for a stream name of this socket's scope. */
    String guid(String streamName) {
        return scope + "/" + streamName;
    }

    String connectionId() {
        return connectionId;
    }

    /** Only the message thread creates signals, so no lock is needed. */
    private WsPublishSignal publisher() {
        if (publisher == null) {
            publisher = new WsPublishSignal(signalling.node(), this);
        }
        return publisher;
    }

    private WsPlaySignal player() {
        if (player == null) {
            player = new WsPlaySignal(signalling.node(), this);
        }
        return player;
    }

    private void endSessions() {
        if (publisher != null) {
            publisher.end();
        }
        if (player != null) {
            player.end();
        }
    }

    /** {@code /live/} and {@code /live} are scope {@code live}; {@code /live/room1/} is {@code live/room1}. */
    static String scopeOf(String path) {
        String s = path;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
