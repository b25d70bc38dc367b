package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.smproxy.http.ApiException;
import org.smproxy.http.RouteTokens;

/**
 * The signed file URLs of a rewritten playlist: the same on every reload within a signing window and on every
 * replica sharing the secret; across windows, the same up to the query (all a player compares) with the old URLs
 * still served; and no token reaches past its folder or node, survives an edit, or outlives its lifetime.
 */
class HlsUrlsTest {
    static final String SECRET = "hls-urls-session-secret-0123456789";
    static final Duration WINDOW = Duration.ofHours(1);
    static final Duration TTL = Duration.ofHours(12);
    static final URI NODE = URI.create("http://10.0.0.7:5080/live/cam.m3u8");
    /** A window's start, so instants inside and past it are easy to name. */
    static final Instant WINDOW_START = Instant.parse("2026-12-07T10:00:00Z");
    static final Pattern URL = Pattern.compile("(?m)^(/as/v1/proxy/hls/n/live/cam_\\d+\\.ts)\\?(.*route=(.+))$");

    /** A node's live playlist at one moment: a five-segment window starting at {@code first}. */
    static String nodePlaylist(int first) {
        StringBuilder p = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:" + first + "\n");
        for (int i = first; i < first + 5; i++) {
            p.append("#EXTINF:2.0,\ncam_").append(i).append(".ts\n");
        }
        return p.toString();
    }

    /** One replica's view: its own token signer at its own moment, with the tier's secret. */
    static HlsUrls replica(String secret, Instant now) {
        return new HlsUrls(new RouteTokens(secret, TTL, Clock.fixed(now, ZoneOffset.UTC)), WINDOW);
    }

    static String rewrite(HlsUrls urls, String playlist) {
        HlsUrls.Signer signer = urls.signer("edge-1", NODE, "/live/", "/as/v1/proxy/hls", "token=viewer-1");
        return PlaylistRewriter.rewrite(playlist, NODE, signer::toProxy);
    }

    static List<String> urls(String rewritten) {
        return rewritten.lines().filter(l -> l.startsWith("/")).toList();
    }

    static HlsPath routed(String url) {
        Matcher m = URL.matcher(url);
        assertThat(m.matches()).as(url).isTrue();
        return HlsPath.parse(m.group(1).substring("/as/v1/proxy/hls/".length()), m.group(3));
    }

    @Test
    void reloadsWithinAWindowAndOtherReplicasGiveTheSameUrlsForTheSameSegments() {
        Instant early = WINDOW_START.plusSeconds(1);
        Instant late = WINDOW_START.plus(WINDOW).minusMillis(1);
        String first = rewrite(replica(SECRET, early), nodePlaylist(10));
        // the live window slid by two segments, another replica rewrote it, most of an hour later
        String later = rewrite(replica(SECRET, late), nodePlaylist(12));
        List<String> a = urls(first);
        List<String> b = urls(later);
        assertThat(a).hasSize(5).allSatisfy(u -> assertThat(u).matches(URL));
        assertThat(a.subList(2, 5)).as("segments 12-14 in both").isEqualTo(b.subList(0, 3));
        assertThat(rewrite(replica(SECRET, early), nodePlaylist(10))).as("byte for byte").isEqualTo(first);
        assertThat(a.get(0)).startsWith("/as/v1/proxy/hls/n/live/cam_10.ts?token=viewer-1&route=eyJ");
    }

    @Test
    void whenTheWindowTurnsOnlyTheQueryChangesAndThePreviousUrlsAreStillServed() {
        Instant turned = WINDOW_START.plus(WINDOW).plusMillis(1);
        HlsUrls before = replica(SECRET, WINDOW_START.plus(WINDOW).minusMillis(1));
        HlsUrls after = replica(SECRET, turned);
        List<String> a = urls(rewrite(before, nodePlaylist(10)));
        List<String> b = urls(rewrite(after, nodePlaylist(10)));
        assertThat(b).isNotEqualTo(a);
        // what hls.js compares for a sequence number it already knows: the URL without its query
        assertThat(b).extracting(HlsUrlsTest::withoutQuery).isEqualTo(a.stream().map(HlsUrlsTest::withoutQuery).toList());
        // a player still holding the old playlist fetches its segments from any replica in the new window
        assertThat(after.verify(routed(a.get(4))).nodeId()).isEqualTo("edge-1");
    }

    @Test
    void aTokenLivesItsWindowAndTheSessionLifetimeAndThenIsRefused() {
        String url = urls(rewrite(replica(SECRET, WINDOW_START.plus(WINDOW).minusMillis(1)), nodePlaylist(10))).get(0);
        Instant lastValid = WINDOW_START.plus(WINDOW).plus(TTL).minusSeconds(1);
        assertThat(replica(SECRET, lastValid).verify(routed(url)).nodeResource()).isEqualTo("/live/");
        // past the expiry and the verifier's few seconds of leeway for clocks
        assertThatThrownBy(() -> replica(SECRET, lastValid.plusSeconds(10)).verify(routed(url)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("expired");
                });
    }

    @Test
    void aTokenReachesOnlyItsFolderOnItsNodeAndNoEditOrOtherTierIsAccepted() {
        HlsUrls urls = replica(SECRET, WINDOW_START.plusSeconds(5));
        String url = urls(rewrite(urls, nodePlaylist(10))).get(0);
        String token = url.substring(url.indexOf("route=") + 6);
        assertThat(urls.verify(routed(url))).isEqualTo(new RouteTokens.Route("edge-1", "hls", "/live/"));

        assertRefused(urls, HlsPath.parse("n/other/cam_10.ts", token), 403, "does not cover");
        assertThatThrownBy(() -> HlsPath.parse("n/live/../x.ts", token)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(400));
        // the same claims for another node (or another folder), without the tier's key
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        for (String forged : List.of(payload.replace("\"edge-1\"", "\"edge-2\""), payload.replace("\"/live/\"", "\"/\""))) {
            assertThat(forged).isNotEqualTo(payload);
            String edited = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
            assertRefused(urls, HlsPath.parse("n/live/cam_10.ts", edited), 403, "invalid session token");
        }
        String otherTier = urls(rewrite(replica("another-tier-secret-0123456789abcd", WINDOW_START.plusSeconds(5)),
                nodePlaylist(10))).get(0);
        assertRefused(urls, routed(otherTier), 403, "invalid session token");
        // a WHIP/WHEP session's token is no HLS token, even from this tier
        String session = new RouteTokens(SECRET, TTL, Clock.fixed(WINDOW_START, ZoneOffset.UTC))
                .issue(new RouteTokens.Route("edge-1", "whep", "/live/"));
        assertRefused(urls, HlsPath.parse("n/live/cam_10.ts", session), 403, "does not belong");
    }

    @Test
    void filesOnAnotherHostOrOutsideTheFolderAreLeftAsTheNodeWroteThem() {
        HlsUrls.Signer signer = replica(SECRET, WINDOW_START).signer("edge-1", NODE, "/live/", "/as/v1/proxy/hls", "");
        assertThat(signer.toProxy(URI.create("http://10.0.0.8:5080/live/cam_1.ts"))).isNull();
        assertThat(signer.toProxy(URI.create("http://10.0.0.7:5080/other/cam_1.ts"))).isNull();
        assertThat(signer.toProxy(URI.create("http://10.0.0.7:5080/live/cam_1.ts?x=1")))
                .startsWith("/as/v1/proxy/hls/n/live/cam_1.ts?x=1&route=eyJ");
    }

    static void assertRefused(HlsUrls urls, HlsPath path, int status, String reason) {
        assertThatThrownBy(() -> urls.verify(path)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    /** hls.js's own comparison: {@code uri.replace(/\?[^?]*$/, '')}. */
    static String withoutQuery(String uri) {
        return uri.replaceAll("\\?[^?]*$", "");
    }
}
