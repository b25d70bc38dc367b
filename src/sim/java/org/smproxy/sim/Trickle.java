package org.smproxy.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's trickle ICE over the signalling socket, as Red5's SDK sends it: one {@code handleCandidate} per
 * gathered candidate, then an empty candidate. Candidates are held back until the description they belong to
 * has been sent, because libwebrtc starts gathering as soon as the local description is set.
 */
final class Trickle {

    private final SimWsSocket socket;
    private final String streamName;
    private final String requestId;
    private final List<ObjectNode> pending = new ArrayList<>();
    private boolean open;

    /** @param requestId the subscriber's id (the SDK adds it to a player's candidates), null for a publisher */
    Trickle(SimWsSocket socket, String streamName, String requestId) {
        this.socket = socket;
        this.streamName = streamName;
        this.requestId = requestId;
    }

    synchronized void candidate(RTCIceCandidate candidate) {
        ObjectNode msg = message();
        if (requestId != null) {
            msg.put("requestId", requestId);
        }
        msg.putObject("data").set("candidate", WsFrames.candidateJson(candidate));
        post(msg);
    }

    /** The SDK's end-of-candidates, which never carries a requestId. */
    synchronized void end() {
        ObjectNode msg = message();
        msg.putObject("data").putObject("candidate").put("type", "candidate").put("candidate", "");
        post(msg);
    }

    /** The description went out: send what was held back, and everything from now on. */
    synchronized void open() {
        open = true;
        pending.forEach(socket::send);
        pending.clear();
    }

    private ObjectNode message() {
        return WsFrames.JSON.createObjectNode().put("handleCandidate", streamName);
    }

    private void post(ObjectNode msg) {
        if (open) {
            socket.send(msg);
        } else {
            pending.add(msg);
        }
    }
}
