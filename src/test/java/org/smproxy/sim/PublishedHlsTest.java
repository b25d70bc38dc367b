package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The PCM a node hands ffmpeg: always 48 kHz mono, whatever libwebrtc decoded. */
class PublishedHlsTest {

    @Test
    void stereoIsAveragedIntoMono() {
        short[] out = PublishedHls.mono48k(le16(1000, 3000, -200, -400), 48_000, 2, 2);
        assertThat(out).containsExactly((short) 2000, (short) -300);
    }

    @Test
    void otherRatesBecome48kHzByTheNearestSample() {
        short[] out = PublishedHls.mono48k(le16(10, 20), 16_000, 1, 2);
        assertThat(out).containsExactly((short) 10, (short) 10, (short) 10, (short) 20, (short) 20, (short) 20);
        assertThat(PublishedHls.mono48k(new byte[2 * 960], 96_000, 1, 960)).hasSize(480);
    }

    @Test
    void fullScaleSamplesSurviveTheRoundTrip() {
        short[] out = PublishedHls.mono48k(le16(Short.MIN_VALUE, Short.MAX_VALUE), 48_000, 1, 2);
        assertThat(out).containsExactly(Short.MIN_VALUE, Short.MAX_VALUE);
    }

    private static byte[] le16(int... samples) {
        byte[] b = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            b[2 * i] = (byte) samples[i];
            b[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return b;
    }
}
