package org.smproxy.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The JSON text frames of Red5's WebSocket signalling (SDK 11–14 RTCPublisher/RTCSubscriber), both ways.
 *
 * <p>Shape rules the SDK relies on: a status frame that carries {@code message} skips the SDK's connection
 * checks, so {@code Connect.Success} and {@code DataChannel.Available} carry none; publish and play start are
 * recognised by a message {@code "<stream name> starting"}, unpublish by {@code "<stream name> stopping"}; an
 * empty candidate object from the node means end of candidates.
 */
final class WsFrames {

    static final String CONNECT_SUCCESS = "NetConnection.Connect.Success";
    static final String CONNECT_CLOSED = "NetConnection.Connect.Closed";
    static final String CONNECT_REJECTED = "NetConnection.Connect.Rejected";
    static final String DATA_CHANNEL_AVAILABLE = "NetConnection.DataChannel.Available";
    /** Sim's acknowledgement of {@code switchChannel}; Red5's SDK ignores unknown status codes. */
    static final String DATA_CHANNEL_SWITCHED = "NetConnection.DataChannel.Switched";
    static final String TRICKLE_COMPLETED = "NetConnection.ICE.TrickleCompleted";
    static final String PUBLISH_START = "NetStream.Publish.Start";
    static final String UNPUBLISH_SUCCESS = "NetStream.Unpublish.Success";
    static final String PLAY_START = "NetStream.Play.Start";
    static final String UNPUBLISH_NOTIFY = "NetStream.Play.UnpublishNotify";

    static final ObjectMapper JSON = new ObjectMapper();

    private WsFrames() {
    }

    static String status(String code) {
        return data(JSON.createObjectNode().put("type", "status").put("code", code));
    }

    static String status(String code, String description) {
        return data(JSON.createObjectNode().put("type", "status").put("code", code).put("description", description));
    }

    /** A status the SDK matches by its message, e.g. {@code "stream1 starting"}. */
    static String statusMessage(String code, String message) {
        return data(JSON.createObjectNode().put("type", "status").put("code", code).put("message", message));
    }

    static String error(String code, String message) {
        return data(JSON.createObjectNode().put("type", "error").put("code", code).put("message", message));
    }

    static String isAvailable(boolean available) {
        return write(JSON.createObjectNode().put("isAvailable", available));
    }

    static String sdp(String type, String sdp) {
        ObjectNode data = JSON.createObjectNode();
        data.putObject("sdp").put("type", type).put("sdp", sdp);
        return data(data);
    }

    static String candidate(RTCIceCandidate candidate) {
        ObjectNode data = JSON.createObjectNode();
        data.set("candidate", candidateJson(candidate));
        return data(data);
    }

    static String endOfCandidates() {
        ObjectNode data = JSON.createObjectNode();
        data.putObject("candidate");
        return data(data);
    }

    /** A candidate as the browser's {@code RTCIceCandidate.toJSON()} writes it. */
    static ObjectNode candidateJson(RTCIceCandidate candidate) {
        return JSON.createObjectNode().put("candidate", candidate.sdp).put("sdpMid", candidate.sdpMid)
                .put("sdpMLineIndex", candidate.sdpMLineIndex);
    }

    /** Empty for an end-of-candidates marker ({@code {}} or a blank {@code candidate}). */
    static Optional<RTCIceCandidate> candidate(JsonNode json) {
        String line = json.path("candidate").asText("");
        if (line.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RTCIceCandidate(json.path("sdpMid").asText("0"), json.path("sdpMLineIndex").asInt(0),
                line.startsWith("a=") ? line.substring(2) : line));
    }

    /** The candidates of a gathered description, to be trickled as frames instead. */
    static List<RTCIceCandidate> candidates(String sdp) {
        return SdpFrag.parse(sdp).candidates();
    }

    /** The description without its candidates, as a trickling peer sends it. */
    static String withoutCandidates(String sdp) {
        return sdp.lines()
                .filter(l -> !l.startsWith("a=candidate:") && !l.startsWith("a=end-of-candidates"))
                .collect(Collectors.joining("\r\n", "", "\r\n"));
    }

    /**
     * A publisher's {@code send} as its players get it: {@code {"type":"metadata","method":m,"data":d}}, which
     * Red5's SDK hands to {@code onMetaData} or to the subscriber's send handler by method, on either transport.
     */
    static String metadata(String method, JsonNode data) {
        ObjectNode frame = JSON.createObjectNode().put("type", "metadata").put("method", method);
        frame.set("data", data == null ? JSON.createObjectNode() : data);
        return write(frame);
    }

    /**
     * The failure of an SDK {@code callServer} ({@code {callAdapter, id, async:true}}): the SDK rejects the call's
     * promise with {@code error}, which carries Red5's status object (code and description).
     */
    static String callFailed(JsonNode id, String description) {
        ObjectNode frame = JSON.createObjectNode().put("async", true);
        frame.set("id", id);
        frame.putObject("error").put("type", "error").put("code", StreamMessaging.CALL_FAILED)
                .put("description", description);
        return write(frame);
    }

    static JsonNode parse(String text) throws JsonProcessingException {
        return JSON.readTree(text);
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String data(ObjectNode data) {
        ObjectNode frame = JSON.createObjectNode();
        frame.set("data", data);
        return write(frame);
    }
}
