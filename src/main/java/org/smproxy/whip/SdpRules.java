package org.smproxy.whip;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.smproxy.http.ApiException;

/** Refuses what no node should see: wrong content types, empty or garbage SDP. */
final class SdpRules {
    static final String SDP = "application/sdp";
    static final String SDP_FRAG = "application/trickle-ice-sdpfrag";

    private SdpRules() {
    }

    static void check(Exchange ex) {
        String type = mediaType(ex.clientToProxy.header("Content-Type"));
        switch (ex.method) {
            case "POST":
                if (ex.body.length == 0 && ex.path.kind() == RelayKind.WHEP) {
                    return; // Red5's server-offer WHEP: an empty POST asks the node for its offer
                }
                if (!SDP.equals(type)) {
                    throw new ApiException(415, "Content-Type must be " + SDP + ", not '" + (type == null ? "(none)" : type) + "'");
                }
                requireSdp(ex.body, true);
                return;
            case "PATCH":
                if (!SDP.equals(type) && !SDP_FRAG.equals(type)) {
                    throw new ApiException(415, "PATCH needs Content-Type " + SDP + " (an answer) or " + SDP_FRAG
                            + " (trickle ICE), not '" + type + "'");
                }
                requireSdp(ex.body, SDP.equals(type));
                return;
            default:
        }
    }

    private static void requireSdp(byte[] body, boolean fullDescription) {
        if (body.length == 0) {
            throw new ApiException(400, "the body is empty: expected " + (fullDescription ? "an SDP" : "an SDP fragment"));
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.indexOf('\0') >= 0 || text.indexOf('\uFFFD') >= 0) {
            throw new ApiException(400, "the body is not SDP text");
        }
        String trimmed = text.stripLeading();
        boolean looksRight = fullDescription ? trimmed.startsWith("v=0") && text.contains("\nm=")
                : trimmed.startsWith("a=") || trimmed.startsWith("m=");
        if (!looksRight) {
            throw new ApiException(400, fullDescription ? "the body is not an SDP session description (v=0 ... m=)"
                    : "the body is not an SDP fragment (a=ice-ufrag, a=candidate, ...)");
        }
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
