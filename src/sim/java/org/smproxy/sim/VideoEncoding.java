package org.smproxy.sim;

import dev.onvoid.webrtc.RTCRtpCodecCapability;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A player's {@code videoEncoding}, as Red5's SDK sends it (WHEP POST query, WebSocket {@code requestOffer}):
 * the codec the node should prefer in its offer.
 */
final class VideoEncoding {

    /** Red5 knows these; the SDK itself only offers VP8 and H264 (and NONE, which it never sends). */
    private static final Set<String> KNOWN = Set.of("VP8", "H264", "VP9", "AV1");

    private VideoEncoding() {
    }

    /** The codec name as libwebrtc spells it; empty for none, NONE and values Red5 would not know. */
    static Optional<String> codec(String requested) {
        if (requested == null) {
            return Optional.empty();
        }
        String name = requested.trim().toUpperCase(Locale.ROOT);
        return KNOWN.contains(name) ? Optional.of(name) : Optional.empty();
    }

    /**
     * The capabilities in their own order but with {@code codec}'s entries first, as
     * {@code setCodecPreferences} wants them; rtx, red and ulpfec stay, so each codec keeps its rtx in the offer.
     * Empty when the list has no entry for {@code codec}: the build cannot send it.
     */
    static Optional<List<RTCRtpCodecCapability>> preferring(String codec, List<RTCRtpCodecCapability> capabilities) {
        List<RTCRtpCodecCapability> first = new ArrayList<>();
        List<RTCRtpCodecCapability> rest = new ArrayList<>();
        for (RTCRtpCodecCapability c : capabilities) {
            (c.getName().equalsIgnoreCase(codec) ? first : rest).add(c);
        }
        if (first.isEmpty()) {
            return Optional.empty();
        }
        first.addAll(rest);
        return Optional.of(first);
    }
}
