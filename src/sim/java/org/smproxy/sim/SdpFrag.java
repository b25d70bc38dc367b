package org.smproxy.sim;

import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an {@code application/trickle-ice-sdpfrag} body (RFC 8840) a node acts on.
 *
 * <p>Red5's SDK sends one fragment after gathering: ufrag, pwd, the first m-line, {@code a=mid}, every
 * candidate and {@code a=end-of-candidates}. Candidates before any m-line belong to the first section.
 */
public record SdpFrag(String iceUfrag, List<RTCIceCandidate> candidates, boolean endOfCandidates) {

    public static SdpFrag parse(String body) {
        String ufrag = null;
        boolean end = false;
        List<RTCIceCandidate> candidates = new ArrayList<>();
        int mLineIndex = 0;
        int sections = 0;
        String mid = "0";
        for (String raw : body.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                mLineIndex = sections++;
                mid = String.valueOf(mLineIndex);
            } else if (line.startsWith("a=mid:")) {
                mid = line.substring("a=mid:".length());
            } else if (line.startsWith("a=ice-ufrag:")) {
                ufrag = line.substring("a=ice-ufrag:".length());
            } else if (line.startsWith("a=candidate:")) {
                candidates.add(new RTCIceCandidate(mid, mLineIndex, line.substring(2)));
            } else if (line.equals("a=end-of-candidates")) {
                end = true;
            }
        }
        return new SdpFrag(ufrag, List.copyOf(candidates), end);
    }

    /**
     * The fragment Red5's SDK sends once gathering is complete, built from a full local description:
     * session credentials, the first m-line, its mid, all candidates, then end-of-candidates.
     */
    public static String fromLocalDescription(String sdp) {
        List<String> out = new ArrayList<>();
        String firstMLine = null;
        List<String> candidates = new ArrayList<>();
        String ufrag = null;
        String pwd = null;
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=") && firstMLine == null) {
                firstMLine = line;
            } else if (line.startsWith("a=ice-ufrag:") && ufrag == null) {
                ufrag = line;
            } else if (line.startsWith("a=ice-pwd:") && pwd == null) {
                pwd = line;
            } else if (line.startsWith("a=candidate:")) {
                candidates.add(line);
            }
        }
        if (ufrag != null) out.add(ufrag);
        if (pwd != null) out.add(pwd);
        if (firstMLine != null) out.add(firstMLine);
        out.add("a=mid:0");
        out.addAll(candidates);
        out.add("a=end-of-candidates");
        return String.join("\r\n", out) + "\r\n";
    }
}
