package org.smproxy.sim;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** Finds ffmpeg and builds the live-HLS command {@link HlsPackager} runs (in the stream's directory). */
final class Ffmpeg {

    /** Property (or env {@code SIM_FFMPEG}) naming the ffmpeg binary; default: {@code ffmpeg} on the PATH. */
    static final String PROPERTY = "sim.ffmpeg";

    /**
     * {@code sh -c WATCHDOG ffmpeg args...}: ffmpeg in the background, and a reader of the JVM's pipe (kept as fd 3,
     * since an asynchronous list gets /dev/null as stdin) that kills ffmpeg on EOF. The shell exits with ffmpeg's
     * status, so a crashed ffmpeg is visible as a dead process.
     */
    private static final String WATCHDOG = String.join("\n",
            "exec 3<&0",
            "\"$0\" \"$@\" </dev/null &",
            "f=$!",
            "{ read -r line <&3; kill \"$f\" 2>/dev/null; } &",
            "w=$!",
            "wait \"$f\"; s=$?",
            "kill \"$w\" 2>/dev/null",
            "exit \"$s\"");

    private Ffmpeg() {
    }

    /** Writes {@code <name>.m3u8} and {@code <name>_<n>.ts} into the working directory. */
    static List<String> hlsCommand(String name, long startNumber) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", WATCHDOG, binary()));
        // Light on purpose (320x240, ultrafast, one thread): several of these share a 2-core test machine.
        cmd.addAll(List.of("-hide_banner", "-nostdin", "-loglevel", "warning",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "400k", "-threads", "1",
                "-c:a", "aac", "-b:a", "48k", "-ac", "1",
                "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
                // temp_file: a segment appears under its name only when complete, so it is never served half-written
                "-hls_flags", "delete_segments+independent_segments+temp_file",
                "-start_number", Long.toString(startNumber),
                "-hls_segment_filename", name + "_%d.ts",
                name + ".m3u8"));
        return cmd;
    }

    /**
     * The same HLS output from a published stream's decoded media: raw I420 frames of {@code width}x{@code height}
     * read from the FIFO {@code video} as they arrive (timed by the wall clock, so a slow publisher is not played
     * fast), resampled to 30 fps, and 16-bit mono PCM at {@code audioRate} from the FIFO {@code audio}, as AAC.
     * 2 s segments, a 5-segment window.
     */
    static List<String> rawHlsCommand(String name, long startNumber, String video, int width, int height,
                                      String audio, int audioRate) {
        return rawHlsCommand(name, startNumber, video, width, height, audio, audioRate, null);
    }

    /**
     * As above, and when {@code record} is given, the same encoded packets also go to a recording as HLS VOD,
     * through ffmpeg's tee muxer so the stream is encoded once. The recording keeps every segment and gets its
     * {@code #EXT-X-ENDLIST} when ffmpeg ends cleanly; with {@code append} it continues an existing playlist after a
     * discontinuity. {@code onfail=ignore}: a full disk ends the recording, not the live HLS.
     */
    static List<String> rawHlsCommand(String name, long startNumber, String video, int width, int height,
                                      String audio, int audioRate, Recording record) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", WATCHDOG, binary()));
        cmd.addAll(List.of("-hide_banner", "-nostdin", "-loglevel", "warning",
                // each input is read on its own thread; a short queue keeps a stalled one from piling up the other
                "-thread_queue_size", "64",
                "-use_wallclock_as_timestamps", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p",
                "-video_size", width + "x" + height, "-i", video,
                "-thread_queue_size", "64",
                "-f", "s16le", "-ar", Integer.toString(audioRate), "-ac", "1", "-i", audio,
                "-map", "0:v", "-map", "1:a",
                "-vsync", "cfr", "-r", "30",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-b:v", "600k", "-threads", "1",
                "-c:a", "aac", "-b:a", "32k"));
        if (record == null) {
            cmd.addAll(List.of("-f", "hls", "-hls_time", "2", "-hls_list_size", "5",
                    "-hls_flags", "delete_segments+independent_segments+temp_file",
                    "-start_number", Long.toString(startNumber),
                    "-hls_segment_filename", name + "_%d.ts",
                    name + ".m3u8"));
            return cmd;
        }
        // Tee options are ':'-separated and outputs '|'-separated: the paths here (temp dirs, Red5-ish names) have neither.
        String live = "[f=hls:hls_time=2:hls_list_size=5:hls_flags=delete_segments+independent_segments+temp_file"
                + ":start_number=" + startNumber + ":hls_segment_filename=" + name + "_%d.ts]" + name + ".m3u8";
        String vod = "[f=hls:onfail=ignore:hls_time=2:hls_list_size=0:hls_playlist_type=vod"
                + ":hls_flags=independent_segments+temp_file" + (record.append() ? "+append_list" : "")
                + ":hls_segment_filename=" + record.segmentPattern() + "]" + record.playlist();
        cmd.addAll(List.of("-f", "tee", live + "|" + vod));
        return cmd;
    }

    /** Where a recording goes: its VOD playlist, its segments' name pattern, and whether it continues the playlist. */
    record Recording(java.nio.file.Path playlist, String segmentPattern, boolean append) {
    }

    static String binary() {
        String configured = System.getProperty(PROPERTY, System.getenv("SIM_FFMPEG"));
        if (configured != null && !configured.isBlank()) {
            if (!new File(configured).canExecute()) {
                throw missing("ffmpeg not found at " + configured + " (" + PROPERTY + ")");
            }
            return configured;
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(entry, "ffmpeg");
            if (!entry.isEmpty() && candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        throw missing("ffmpeg not found on the PATH");
    }

    private static IllegalStateException missing(String what) {
        return new IllegalStateException(what + "; simulated HLS needs it: apt-get install ffmpeg "
                + "(scripts/install-deps.sh installs it)");
    }
}
