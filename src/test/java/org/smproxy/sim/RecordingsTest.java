package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The recording storage's bookkeeping, with files written by hand in place of ffmpeg's. */
class RecordingsTest {
    private static final AtomicLong CLOCK = new AtomicLong(1_700_000_000_000L);

    @Test
    void pastTheFileCapTheOldestFinishedRecordingsAreDeletedFirst() throws IOException {
        try (Recordings r = new Recordings("cap-files", Long.MAX_VALUE, 8)) {
            record(r, "live/a", 3, 100);
            record(r, "live/b", 3, 100);
            assertThat(r.list("live")).extracting(Recordings.Entry::name).containsExactly("b.m3u8", "a.m3u8");
            record(r, "live/c", 3, 100); // 12 files > 8: a goes, 8 files left
            assertThat(r.list("live")).extracting(Recordings.Entry::name).containsExactly("c.m3u8", "b.m3u8");
            assertThat(r.file("live", "a_0.ts")).isEmpty();
            assertThat(r.file("live", "b_0.ts")).isPresent();
        }
    }

    @Test
    void pastTheByteCapTheOldestGoUntilTheRestFits() throws IOException {
        try (Recordings r = new Recordings("cap-bytes", 3_000, Integer.MAX_VALUE)) {
            record(r, "live/a", 2, 500);
            record(r, "live/b", 2, 500);
            record(r, "live/c", 2, 500);
            record(r, "live/d", 2, 1_000); // 5000 bytes: a and b go, 3000 left
            assertThat(r.list("live")).extracting(Recordings.Entry::name).containsExactly("d.m3u8", "c.m3u8");
        }
    }

    @Test
    void aRecordingBeingWrittenIsNeitherListedNorServedNorEvicted() throws IOException {
        try (Recordings r = new Recordings("writing", 1, 1)) {
            Ffmpeg.Recording open = r.start("live/live1", PublishMode.RECORD).orElseThrow();
            write(open.playlist(), 10);
            write(Path.of(open.segmentPattern().replace("%d", "0")), 10);
            record(r, "live/done", 1, 10); // over both caps: only the finished one can go
            assertThat(r.list("live")).isEmpty();
            assertThat(r.file("live", "live1.m3u8")).isEmpty();
            assertThat(open.playlist()).exists();
            r.finished("live/live1");
            assertThat(r.list("live")).isEmpty(); // still over the cap once it ended: it goes too
        }
    }

    @Test
    void recordReplacesAnEarlierRecordingAppendKeepsItLiveRecordsNothing() throws IOException {
        try (Recordings r = new Recordings("modes", Long.MAX_VALUE, Integer.MAX_VALUE)) {
            record(r, "live/s", 3, 10);
            assertThat(r.start("live/other", PublishMode.LIVE)).isEmpty();
            Ffmpeg.Recording append = r.start("live/s", PublishMode.APPEND).orElseThrow();
            assertThat(append.append()).isTrue();
            assertThat(Path.of(append.segmentPattern().replace("%d", "2"))).exists();
            r.finished("live/s");
            Ffmpeg.Recording again = r.start("live/s", PublishMode.RECORD).orElseThrow();
            assertThat(again.append()).isFalse();
            assertThat(again.playlist()).doesNotExist();
            assertThat(Path.of(again.segmentPattern().replace("%d", "0"))).doesNotExist();
        }
    }

    @Test
    void closingDeletesTheStorageAndTheListingRefusesNamesOutsideIt() throws IOException {
        Recordings r = new Recordings("close", Long.MAX_VALUE, Integer.MAX_VALUE);
        record(r, "live/x", 1, 10);
        assertThat(r.file("live", "../../etc.m3u8")).isEmpty();
        assertThat(r.file("live", "x.m3u8")).isPresent();
        Path root = r.root();
        r.close();
        assertThat(root).doesNotExist();
    }

    /** A finished recording of {@code segments} segments of {@code bytes} each, newer than every earlier one. */
    private static void record(Recordings r, String guid, int segments, int bytes) throws IOException {
        Ffmpeg.Recording to = r.start(guid, PublishMode.RECORD).orElseThrow();
        long at = CLOCK.addAndGet(10_000);
        for (int i = 0; i < segments; i++) {
            Path seg = Path.of(to.segmentPattern().replace("%d", Integer.toString(i)));
            write(seg, bytes);
            Files.setLastModifiedTime(seg, FileTime.fromMillis(at));
        }
        write(to.playlist(), 0);
        Files.setLastModifiedTime(to.playlist(), FileTime.fromMillis(at));
        r.finished(guid);
    }

    private static void write(Path file, int bytes) throws IOException {
        Files.write(file, new byte[bytes]);
    }
}
