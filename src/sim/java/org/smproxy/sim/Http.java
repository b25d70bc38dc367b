package org.smproxy.sim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.smproxy.sim.NodeException.Reason;

/** Small servlet helpers shared by the WHIP and WHEP handlers. */
final class Http {

    static final String SDP = "application/sdp";
    static final String SDP_FRAG = "application/trickle-ice-sdpfrag";
    /** Far above any real offer; a bigger body is not SDP. */
    private static final int MAX_BODY = 128 * 1024;

    private Http() {
    }

    /** The media type without parameters, lower case; empty when absent. */
    static String mediaType(HttpServletRequest req) {
        String type = req.getContentType();
        if (type == null) {
            return "";
        }
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    static void requireType(HttpServletRequest req, String expected) throws NodeException {
        if (!mediaType(req).equals(expected)) {
            throw new NodeException(Reason.UNSUPPORTED_MEDIA_TYPE, "expected Content-Type " + expected);
        }
    }

    static String body(HttpServletRequest req) throws IOException, NodeException {
        try (InputStream in = req.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new NodeException(Reason.BAD_OFFER, "body larger than " + MAX_BODY + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Red5 accepts {@code 1} and {@code true} for its boolean query flags. */
    static boolean flag(HttpServletRequest req, String name) {
        String value = req.getParameter(name);
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
    }

    /** WCONF: TCP candidates only when the client asks (SDK: {@code transport=tcp}; docs: a {@code tcp} param). */
    static boolean tcp(HttpServletRequest req) {
        return "tcp".equalsIgnoreCase(req.getParameter("transport")) || flag(req, "tcp");
    }

    static void text(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setStatus(status);
        resp.setContentType("text/plain;charset=UTF-8");
        resp.getWriter().write(message);
    }

    static void sdp(HttpServletResponse resp, int status, String sdp) throws IOException {
        resp.setStatus(status);
        resp.setContentType(SDP);
        resp.getOutputStream().write(sdp.getBytes(StandardCharsets.UTF_8));
    }

    static void methodNotAllowed(HttpServletResponse resp, String allow) throws IOException {
        resp.setHeader("Allow", allow);
        text(resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "method not allowed; use " + allow);
    }
}
