package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import javax.websocket.CloseReason;
import javax.websocket.Endpoint;
import javax.websocket.EndpointConfig;
import javax.websocket.MessageHandler;
import javax.websocket.Session;

/**
 * One signalling socket on a node, as Red5 runs it: {@code Connect.Success} on open, then the SDK's JSON
 * requests. A socket carries one publisher or one player. Closing it ends that session unless the client
 * switched signalling to the data channel first ({@code switchChannel}), as Red5 does.
 */
final class SignallingEndpoint extends Endpoint implements MessageHandler.Whole<String> {

    private final Signalling signalling;
    private volatile Session session;
    private volatile String scope;
    private volatile String connectionId;
    private volatile WsPublishSignal publisher;
    private volatile WsPlaySignal player;
    private volatile boolean switched;
    private final Object sendLock = new Object();

    SignallingEndpoint(Signalling signalling) {
        this.signalling = signalling;
    }

    @Override
    public void onOpen(Session s, EndpointConfig config) {
        session = s;
        scope = scopeOf(s.getRequestURI().getPath());
        List<String> ids = s.getRequestParameterMap().getOrDefault("id", List.of());
        connectionId = ids.isEmpty() ? s.getId() : ids.get(0);
        s.addMessageHandler(this);
        signalling.opened(this);
        send(WsFrames.status(WsFrames.CONNECT_SUCCESS));
    }

    /** Frames of one socket arrive one at a time, so the signals below see their messages in order. */
    @Override
    public void onMessage(String text) {
        JsonNode msg;
        try {
            msg = WsFrames.parse(text);
        } catch (JsonProcessingException e) {
            send(WsFrames.error("NetConnection.Call.Failed", "not JSON"));
            return;
        }
        SimNode node = signalling.node();
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
            switched = true;
            send(WsFrames.status(WsFrames.DATA_CHANNEL_SWITCHED, msg.get("switchChannel").asText("red5pro")));
        }
        // Anything else (shared objects, metadata sends) is not simulated and is ignored, as Red5 ignores noise.
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
        signalling.closed(this);
        if (!switched) {
            endSessions();
        }
    }

    @Override
    public void onError(Session s, Throwable error) {
        // onClose follows: Tomcat closes the session on every error it reports here.
    }

    /** One writer at a time: JSR-356's basic remote refuses concurrent sends. After close, frames are dropped. */
    void send(String frame) {
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

    void streamUnpublished(String streamGuid) {
        WsPlaySignal p = player;
        if (p != null) {
            p.unpublished(streamGuid);
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
