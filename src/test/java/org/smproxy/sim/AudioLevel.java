package org.smproxy.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ffmpeg's volumedetect over a media segment's audio: how tests tell real audio from the silence of none. The same
 * ffmpeg the simulated nodes run ({@link Ffmpeg#binary()}, which honours {@code sim.ffmpeg}).
 */
public record AudioLevel(double meanDb, double maxDb) {

    /** What volumedetect reports for digital silence (and what a segment without sound reads). */
    public static final double SILENCE_DB = -91.0;
    private static final Pattern MEAN = Pattern.compile("mean_volume: (-?[0-9.]+|-inf) dB");
    private static final Pattern MAX = Pattern.compile("max_volume: (-?[0-9.]+|-inf) dB");

    /** The levels of the first audio stream of {@code segment} (e.g. an MPEG-TS HLS segment). */
    public static AudioLevel of(byte[] segment) throws IOException, InterruptedException {
        Path file = Files.createTempFile("segment", ".ts");
        try {
            Files.write(file, segment);
            Process p = new ProcessBuilder(Ffmpeg.binary(), "-hide_banner", "-nostdin", "-i", file.toString(),
                    "-map", "0:a:0", "-af", "volumedetect", "-f", "null", "-").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("ffmpeg volumedetect did not finish");
            }
            return new AudioLevel(db(MEAN, out), db(MAX, out));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double db(Pattern p, String out) {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no audio level in ffmpeg's output: " + out);
        }
        return m.group(1).equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(m.group(1));
    }
}
