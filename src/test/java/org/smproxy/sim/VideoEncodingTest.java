package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCRtpCodecCapability;
import dev.onvoid.webrtc.media.MediaType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VideoEncodingTest {

    static RTCRtpCodecCapability codec(String name) {
        return new RTCRtpCodecCapability(MediaType.VIDEO, name, 90000, null, Map.of());
    }

    @Test
    void redFivesNamesAreReadWhateverTheirCaseAndTheRestIsIgnored() {
        assertThat(VideoEncoding.codec("h264")).hasValue("H264");
        assertThat(VideoEncoding.codec(" Vp8 ")).hasValue("VP8");
        assertThat(VideoEncoding.codec("av1")).hasValue("AV1");
        assertThat(VideoEncoding.codec("NONE")).isEmpty();
        assertThat(VideoEncoding.codec("THEORA")).isEmpty();
        assertThat(VideoEncoding.codec(null)).isEmpty();
    }

    @Test
    void theRequestedCodecMovesFirstAndEverythingElseKeepsItsOrder() {
        List<RTCRtpCodecCapability> sendable = List.of(codec("VP8"), codec("rtx"), codec("H264"), codec("H264"),
                codec("AV1"));
        assertThat(VideoEncoding.preferring("H264", sendable).orElseThrow())
                .extracting(RTCRtpCodecCapability::getName).containsExactly("H264", "H264", "VP8", "rtx", "AV1");
    }

    @Test
    void aCodecTheBuildCannotSendGivesNoPreference() {
        assertThat(VideoEncoding.preferring("VP9", List.of(codec("VP8"), codec("rtx")))).isEmpty();
    }
}
