package org.smproxy.sim;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.smproxy.sim.NodeException.Reason;

/** Red5's WhipEndpoint servlet: publish by POSTing an offer, trickle by PATCH, stop by DELETE. */
final class WhipHandler {

    private final SimNode node;

    WhipHandler(SimNode node) {
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
                case "DELETE" -> delete(route, resp);
                case "OPTIONS" -> node.writeOptions(resp);
                default -> Http.methodNotAllowed(resp, "OPTIONS, PATCH, DELETE");
            }
        }
    }

    private void post(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        if (!node.role().canPublish()) {
            throw new NodeException(Reason.ROLE_REJECTED, node.role().wireName() + " nodes do not accept publishers");
        }
        Http.requireType(req, Http.SDP);
        String offer = Http.body(req);
        if (!offer.startsWith("v=")) {
            // Cheap rejection before a peer connection is built for something that is not SDP at all.
            throw new NodeException(Reason.BAD_OFFER, "invalid offer SDP");
        }
        String answer = node.ingest().publish(route.streamGuid(), offer, Http.tcp(req),
                PublishMode.parse(req.getParameter("mode")));
        resp.setHeader("Location", route.resourcePath());
        node.ingest().session(route.streamGuid()).ifPresent(s -> {
            resp.setHeader("ETag", s.etag());
            ChannelSession.publisher(node, s); // WHIPClient's red5pro channel, when its offer has one
        });
        Http.sdp(resp, HttpServletResponse.SC_CREATED, answer);
    }

    private void patch(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        WhipSession session = node.ingest().session(route.streamGuid())
                .orElseThrow(() -> new NodeException(Reason.NO_SESSION, "no publish session " + route.streamGuid()));
        Http.requireType(req, Http.SDP_FRAG);
        SdpFrag frag = SdpFrag.parse(Http.body(req));
        try {
            session.addCandidates(frag.candidates());
        } catch (SdpException e) {
            throw new NodeException(Reason.BAD_CANDIDATE, "bad candidate: " + e.getMessage());
        }
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    private void delete(Route route, HttpServletResponse resp) throws IOException, NodeException {
        if (!node.ingest().unpublish(route.streamGuid())) {
            throw new NodeException(Reason.NO_SESSION, "no publish session " + route.streamGuid());
        }
        Http.text(resp, HttpServletResponse.SC_OK, "");
    }
}
