package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A live HLS player watched as a viewer watches it: for tens of seconds after playback starts, its clock must keep
 * up with the wall clock and its player must raise no fatal error. What a look at the first segment cannot see (a
 * player that gives up on its second playlist, or stalls at each reload) fails here.
 */
public final class HlsWatch {
    /**
     * At least 20 s watched, and the media clock at least 80 % of the way along. {@code -Dhls.watchSeconds=180}
     * watches for minutes instead, for a run by hand.
     */
    public static final Duration WATCH = Duration.ofSeconds(Math.max(20, Long.getLong("hls.watchSeconds", 20)));
    public static final double MIN_PROGRESS = 0.8;

    private HlsWatch() {
    }

    /** What was seen: the wall seconds watched, how far the player's clock went meanwhile, and its last stats. */
    public record Watched(double wallSeconds, double playedSeconds, Map<String, Object> last) {
    }

    /**
     * Watches one player for {@link #WATCH}, sampling once a second, and asserts it kept up.
     *
     * @param stats the player's stats: {@code currentTime} (seconds), and the errors the player called fatal as a
     *              list under {@code fatalErrors}
     */
    public static Watched watch(String what, Supplier<Map<String, Object>> stats) {
        return watchAll(Map.of(what, stats)).get(what);
    }

    /** Watches several players at once (so a test pays the watching time once), each held to the same bar. */
    public static Map<String, Watched> watchAll(Map<String, Supplier<Map<String, Object>>> players) {
        Map<String, Double> startTimes = new LinkedHashMap<>();
        // a player may have recovered from errors before (an edge that died): only new ones count
        Map<String, Integer> fatalBefore = new LinkedHashMap<>();
        Map<String, Map<String, Object>> last = new ConcurrentHashMap<>();
        players.forEach((what, stats) -> {
            Map<String, Object> first = stats.get();
            startTimes.put(what, number(first, "currentTime"));
            last.put(what, first);
            fatalBefore.put(what, list(first, "fatalErrors").size());
            assertThat(number(first, "currentTime")).as(what + ": watching starts once playback has; stats " + first)
                    .isPositive();
        });
        long start = System.nanoTime();
        // Fails at the first fatal error, with the player's own words; otherwise done when the time is up.
        await().pollDelay(Duration.ofSeconds(1)).pollInterval(Duration.ofSeconds(1)).atMost(WATCH.plusSeconds(10))
                .until(() -> {
                    players.forEach((what, stats) -> {
                        Map<String, Object> now = stats.get();
                        last.put(what, now);
                        List<?> fatal = list(now, "fatalErrors");
                        assertThat(fatal.subList(Math.min(fatalBefore.get(what), fatal.size()), fatal.size()))
                                .as(what + ": fatal player errors while watched; stats " + now).isEmpty();
                    });
                    return System.nanoTime() - start >= WATCH.toNanos();
                });
        double wall = (System.nanoTime() - start) / 1e9;
        Map<String, Watched> watched = new LinkedHashMap<>();
        players.keySet().forEach(what -> {
            Map<String, Object> end = last.get(what);
            double played = number(end, "currentTime") - startTimes.get(what);
            System.out.printf("%s: %.1f s of media played in %.1f s watched (%.0f %%); %s%n", what, played, wall,
                    100 * played / wall, end);
            watched.put(what, new Watched(wall, played, end));
        });
        watched.forEach((what, w) -> assertThat(w.playedSeconds()).as(what + ": seconds played in "
                + String.format("%.1f", wall) + " s watched; stats " + w.last()).isGreaterThanOrEqualTo(MIN_PROGRESS * wall));
        return watched;
    }

    static double number(Map<String, Object> stats, String name) {
        Object v = stats.get(name);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    static List<?> list(Map<String, Object> stats, String name) {
        Object v = stats.get(name);
        return v instanceof List<?> l ? l : List.of();
    }
}
