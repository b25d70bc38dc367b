package org.smproxy.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Every HTTP request of a simulated node: WHIP, WHEP and the test-only {@code /__sim/stats}. One servlet with
 * its own dispatch, because HttpServlet knows no PATCH and all routes should be visible in one place.
 */
final class NodeServlet extends HttpServlet {

    static final String STATS_PATH = "/__sim/stats";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient SimNode node;
    private final transient WhipHandler whip;
    private final transient WhepHandler whep;

    NodeServlet(SimNode node) {
        this.node = node;
        this.whip = new WhipHandler(node);
        this.whep = new WhepHandler(node);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (cors(req, resp)) {
            return;
        }
        String path = req.getPathInfo();
        if (STATS_PATH.equals(path)) {
            stats(req, resp);
            return;
        }
        Optional<Route> route = Route.parse(path);
        if (route.isEmpty()) {
            Http.text(resp, HttpServletResponse.SC_NOT_FOUND, "no such endpoint: " + path);
            return;
        }
        try {
            dispatch(route.get(), req, resp);
        } catch (NodeException e) {
            Http.text(resp, status(e.reason()), e.getMessage());
        }
    }

    private void dispatch(Route route, HttpServletRequest req, HttpServletResponse resp)
            throws IOException, NodeException {
        if (!node.config().apps().contains(route.app())) {
            throw new NodeException(NodeException.Reason.UNKNOWN_SCOPE, "scope resolver failed for " + route.scope());
        }
        // the SDK sends the connection parameters on OPTIONS, POST and PATCH, never on DELETE
        RoundTripAuth auth = node.config().roundTripAuth();
        String refusal = auth == null || req.getMethod().equals("DELETE") ? null : auth.refusal(req::getParameter);
        if (refusal != null) {
            node.authRefused();
            throw new NodeException(NodeException.Reason.UNAUTHORIZED, refusal);
        }
        if (route.whep()) {
            whep.handle(route, req, resp);
        } else {
            whip.handle(route, req, resp);
        }
    }

    private void stats(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!req.getMethod().equals("GET")) {
            Http.methodNotAllowed(resp, "GET");
            return;
        }
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("application/json");
        JSON.writeValue(resp.getOutputStream(), node.stats());
    }

    /**
     * Lets a page from another origin (the browser tests, the demo page) call the node directly: every
     * fetch the SDK makes (OPTIONS, PATCH, DELETE, application/sdp bodies) is preflighted, and it must read
     * Location, Link and Session-Host. Returns true when the request was a preflight, now answered.
     */
    private static boolean cors(HttpServletRequest req, HttpServletResponse resp) {
        if (req.getHeader("Origin") == null) {
            return false;
        }
        resp.setHeader("Access-Control-Allow-Origin", "*");
        resp.setHeader("Access-Control-Expose-Headers", "Location, Link, Session-Host, ETag");
        if (!req.getMethod().equals("OPTIONS") || req.getHeader("Access-Control-Request-Method") == null) {
            return false;
        }
        resp.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, If-Match");
        resp.setHeader("Access-Control-Max-Age", "600");
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
        return true;
    }

    /** Red5's codes (WHIP/WHEP configuration guide), where it has one for the case. */
    private static int status(NodeException.Reason reason) {
        return switch (reason) {
            case BAD_OFFER, BAD_ANSWER, BAD_CANDIDATE, DOUBLE_POST -> 400;
            case UNAUTHORIZED -> 401;
            case UNKNOWN_SCOPE, NO_SESSION -> 404;
            case ROLE_REJECTED, CREATION_FAILED -> 406;
            case ALREADY_PUBLISHING, NOT_AVAILABLE -> 409;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
        };
    }
}
