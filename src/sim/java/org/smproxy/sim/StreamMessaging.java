package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node's stream messaging, whatever carries it: a publisher's {@code send} RPCs and raw data-channel messages
 * reach every player of the stream, here and on every edge of this node, over the socket or the {@code red5pro}
 * data channel each player has; {@code mute} and {@code callAdapter} (the SDK's {@code callServer}) are answered
 * here. WebSocket sessions ({@link SignallingEndpoint}) and WHIP/WHEP channels ({@link ChannelSession}) both use it.
 */
final class StreamMessaging {

    /** Red5's status for a call it cannot make (RTMP's {@code NetConnection.call} to a method the app lacks). */
    static final String CALL_FAILED = "NetConnection.Call.Failed";

    /** One player of a stream on this node, told what its stream's publisher sends and when the stream ends. */
    interface Player {
        void relayed(String streamGuid, String frame);

        /** A publisher's binary data-channel message; only a player with a data channel can take it. */
        void relayedBytes(String streamGuid, byte[] bytes);

        void unpublished(String streamGuid);
    }

    /** The session a message came from. */
    interface Sender {
        /** The stream this session publishes, while the publish runs; null for players. */
        String liveStream();

        void reply(String frame);

        Muting muting();

        /** A player's mute took effect: hold back what it muted. */
        void holdBack(Muting muting);
    }

    private static final System.Logger LOG = System.getLogger(StreamMessaging.class.getName());
    private final String nodeId;
    private final Set<Player> players = ConcurrentHashMap.newKeySet();
    /** Edges of this node, whose players also hear this node's publishers. */
    private final List<StreamMessaging> downstream = new CopyOnWriteArrayList<>();

    /** @param upstream the origin's messaging, for an edge */
    StreamMessaging(String nodeId, StreamMessaging upstream) {
        this.nodeId = nodeId;
        if (upstream != null) {
            upstream.downstream.add(this);
        }
    }

    void join(Player player) {
        players.add(player);
    }

    void leave(Player player) {
        players.remove(player);
    }

    /** Takes {@code send}, {@code mute}, {@code callAdapter} and the SDK's {@code log}; false for any other message. */
    boolean handle(Sender from, JsonNode msg) {
        if (msg.has("log")) {
            // Red5 writes a client's log lines to its own log and answers nothing.
            LOG.log(System.Logger.Level.DEBUG, "node {0}: client log: {1}", nodeId, msg.path("message").asText(""));
        } else if (msg.has("send")) {
            send(from, msg.get("send"));
        } else if (msg.has("mute")) {
            mute(from, msg.get("mute"));
        } else if (msg.has("callAdapter")) {
            call(from, msg);
        } else {
            return false;
        }
        return true;
    }

    /**
     * A data-channel message no session took ({@code msg} null when it is not JSON). Red5 requests the simulation
     * lacks (shared objects, conference groups) are ignored; anything else from a publisher (the testbed's
     * {@code getDataChannel().send(...)}) reaches its players as it was sent. A player's is dropped: Red5 relays
     * only what publishers send.
     */
    void unclaimed(Sender from, String text, JsonNode msg) {
        String stream = from.liveStream();
        if (msg != null && msg.isObject() && notSimulated(msg)) {
            LOG.log(System.Logger.Level.DEBUG, "node {0}: message not simulated, ignored: {1}", nodeId,
                    msg.fieldNames().next());
        } else if (stream != null) {
            relay(stream, text);
        }
    }

    /** A binary message on a publisher's data channel (the testbed sends recorded audio so): relayed as it is. */
    void unclaimedBytes(Sender from, byte[] bytes) {
        String stream = from.liveStream();
        if (stream != null) {
            relayBytes(stream, bytes);
        }
    }

    private void relayBytes(String streamGuid, byte[] bytes) {
        players.forEach(p -> p.relayedBytes(streamGuid, bytes));
        downstream.forEach(edge -> edge.relayBytes(streamGuid, bytes));
    }

    /** Red5 requests that have no simulation, so go unanswered; the session goes on. */
    static boolean notSimulated(JsonNode msg) {
        if (!msg.fieldNames().hasNext()) {
            return false;
        }
        String request = msg.fieldNames().next();
        return request.startsWith("sharedObject") || request.equals("joinGroup") || request.equals("leaveGroup")
                || request.equals("unsubscribe") || request.equals("stop");
    }

    /** A publish on this node ended: its players, here or on an edge, are told. */
    void unpublished(String streamGuid) {
        players.forEach(p -> p.unpublished(streamGuid));
        downstream.forEach(edge -> edge.unpublished(streamGuid));
    }

    /** After the node's port died: its sessions are gone whether or not each one said goodbye. */
    void forgetAll() {
        players.clear();
    }

    private void relay(String streamGuid, String frame) {
        players.forEach(p -> p.relayed(streamGuid, frame));
        downstream.forEach(edge -> edge.relay(streamGuid, frame));
    }

    /**
     * The SDK's {@code send(method, data)}: relayed while the stream is live as
     * {@code {"type":"metadata","method":…,"data":…}}; before that Red5 has no one to give it to.
     */
    private void send(Sender from, JsonNode send) {
        String stream = from.liveStream();
        String method = send.path("method").asText("");
        if (stream == null || method.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "node {0}: send before the publish runs, from a player, or without a "
                    + "method, dropped", nodeId);
            return;
        }
        relay(stream, WsFrames.metadata(method, send.get("data")));
    }

    /**
     * A publisher's mute changes what its stream carries, so its players hear the new {@code streamingMode}, as the
     * SDK's own track-mute metadata tells them; a player's mute holds back its media and tells it alone.
     */
    private void mute(Sender from, JsonNode mute) {
        Muting muting = from.muting();
        muting.update(mute);
        String frame = WsFrames.metadata("onMetaData",
                WsFrames.JSON.createObjectNode().put("streamingMode", muting.streamingMode()));
        String stream = from.liveStream();
        if (stream != null) {
            relay(stream, frame);
        } else {
            from.holdBack(muting);
            from.reply(frame);
        }
    }

    /**
     * No application methods are simulated, so every call fails as Red5 fails a call to a method its app lacks,
     * and the session goes on. The SDK settles {@code callServer}'s promise from {@code {async, id, error}}.
     */
    private void call(Sender from, JsonNode msg) {
        String description = notFound(msg.get("callAdapter"));
        if (msg.path("async").asBoolean(false) && msg.has("id")) {
            from.reply(WsFrames.callFailed(msg.get("id"), description));
        } else {
            from.reply(WsFrames.error(CALL_FAILED, description));
        }
    }

    /** Red5's {@code MethodNotFoundException} message, which its error status carries as the description. */
    private static String notFound(JsonNode call) {
        String method = call.path("method").asText("");
        List<String> args = new java.util.ArrayList<>();
        call.path("arguments").forEach(a -> args.add(a.isValueNode() ? a.asText() : a.toString()));
        return args.isEmpty() ? "Method " + method + " without arguments not found"
                : "Method " + method + " with parameters " + args + " not found";
    }
}
