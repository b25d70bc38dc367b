package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.smproxy.sim.NodeException.Reason;

/**
 * Red5's WhepEndpoint servlet in "mode 1": the node always offers (any client offer in the POST body is
 * ignored, as Red5 does), the client answers by PATCH ({@code 201}) and may trickle ({@code 204}).
 */
final class WhepHandler {

    private final SimNode node;

    WhepHandler(SimNode node) {
        this.node = node;
    }

    void handle(Route route, HttpServletRequest req, HttpServletResponse resp) throws IOException, NodeException {
        String method = req.getMethod();
        if (!route.resource()) {
            switch (method) {
                case "OPTIONS" -> node.writeOptions(resp);
                case "POST" -> post(route, req, resp);
                default -> Http.methodNotAllowed(resp, "OPTIONS, POST");
            }
        } else {
            switch (method) {
                case "PATCH" -> patch(route, req, resp);
                case "DELETE" -> delete(route, req, resp);
                case "OPTIONS" -> node.writeOptions(resp);
                default -> Http.methodNotAllowed(resp, "OPTIONS, PATCH, DELETE");
            }
        }
    }

    private void post(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        if (!node.role().canSubscribe()) {
            throw new NodeException(Reason.ROLE_REJECTED, node.role().wireName() + " nodes do not serve players");
        }
        String clientOffer = Http.body(req);
        if (!clientOffer.isEmpty()) {
            Http.requireType(req, Http.SDP);
        }
        VideoTrack video = node.streamSource(route.streamGuid())
                .orElseThrow(() -> new NodeException(Reason.NOT_AVAILABLE, "stream " + route.streamGuid()
                        + " is not available to playback"));
        String requestId = req.getParameter("requestId");
        String location = route.resourcePath();
        if (requestId == null || requestId.isEmpty()) {
            // Red5's SDK always sends one; without it the generated id must travel in the Location.
            requestId = "subscriber-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
            location += "?requestId=" + requestId;
        }
        String offer = node.egress().subscribe(route.streamGuid(), requestId, video,
                new Egress.Play(Http.flag(req, "signal"), Http.tcp(req), req.getParameter("videoEncoding")));
        node.egress().session(route.streamGuid(), requestId).ifPresent(s -> ChannelSession.player(node, s));
        resp.setHeader("Location", location);
        Http.sdp(resp, HttpServletResponse.SC_CREATED, offer);
    }

    private void patch(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        WhepSession session = session(route, req);
        String type = Http.mediaType(req);
        if (type.equals(Http.SDP)) {
            try {
                session.applyAnswer(Http.body(req));
            } catch (SdpException e) {
                throw new NodeException(Reason.BAD_ANSWER, "invalid answer SDP: " + e.getMessage());
            }
            resp.setStatus(HttpServletResponse.SC_CREATED);
        } else if (type.equals(Http.SDP_FRAG)) {
            SdpFrag frag = SdpFrag.parse(Http.body(req));
            try {
                session.addCandidates(frag.candidates());
            } catch (SdpException e) {
                throw new NodeException(Reason.BAD_CANDIDATE, "bad candidate: " + e.getMessage());
            }
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
        } else {
            throw new NodeException(Reason.UNSUPPORTED_MEDIA_TYPE, "expected " + Http.SDP + " or " + Http.SDP_FRAG);
        }
    }

    private void delete(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        WhepSession session = session(route, req);
        node.egress().unsubscribe(session.streamGuid(), session.requestId());
        Http.text(resp, HttpServletResponse.SC_OK, "");
    }

    private WhepSession session(Route route, HttpServletRequest req) throws NodeException {
        String requestId = req.getParameter("requestId");
        return node.egress().session(route.streamGuid(), requestId == null ? "" : requestId)
                .orElseThrow(() -> new NodeException(Reason.NO_SESSION, "no play session " + route.streamGuid()
                        + " requestId=" + requestId));
    }
}
