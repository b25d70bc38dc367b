package org.smproxy.sim;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which video codec a player negotiated (its answer) and which one it is actually receiving (its stats). */
final class VideoCodecProbe {

    private static final Pattern VIDEO_LINE = Pattern.compile("(?m)^m=video \\S+ \\S+ (\\d+)");

    private VideoCodecProbe() {
    }

    /** The codec of the first payload type on the {@code m=video} line: the one the media will use. */
    static Optional<String> firstVideoCodec(String sdp) {
        if (sdp == null) {
            return Optional.empty();
        }
        Matcher video = VIDEO_LINE.matcher(sdp);
        if (!video.find()) {
            return Optional.empty();
        }
        Matcher rtpmap = Pattern.compile("(?m)^a=rtpmap:" + video.group(1) + " ([^/\\s]+)/").matcher(sdp);
        return rtpmap.find(video.end()) ? Optional.of(rtpmap.group(1)) : Optional.empty();
    }

    /**
     * The codec of the inbound video RTP stream as libwebrtc reports it ({@code video/H264} → {@code H264}); empty
     * before the first packet arrived.
     */
    static Optional<String> receivedVideoCodec(RTCPeerConnection pc) {
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        pc.getStats(report::complete);
        Map<String, RTCStats> stats;
        try {
            stats = report.get(Rtc.STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getStats();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return stats.values().stream()
                .filter(s -> s.getType() == RTCStatsType.INBOUND_RTP && "video".equals(s.getAttributes().get("kind")))
                .map(s -> stats.get(String.valueOf(s.getAttributes().get("codecId"))))
                .filter(codec -> codec != null && codec.getAttributes().get("mimeType") != null)
                .map(codec -> codec.getAttributes().get("mimeType").toString().replaceFirst("^video/", ""))
                .findFirst();
    }
}
