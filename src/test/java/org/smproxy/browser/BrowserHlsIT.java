package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.ProxiedCluster;

/**
 * hls.js (npm {@code hls.js}, fetched by {@code scripts/fetch-web-deps.sh}) in headless Chromium plays live HLS
 * through the proxy from an https page of another origin: simulated edges serve real live HLS (ffmpeg, H.264), the
 * proxy picks one, rewrites the playlist and caches; when that edge dies mid-playback, playback goes on from the
 * other edge. And the path an operator uses: a camera published through the proxy (WHIP, or WebSocket signalling)
 * plays as HLS through the proxy (the simulated origin makes HLS of what it receives, as Red5 does), at both path
 * shapes, in the pinned hls.js and the newest 1.6.x, watched for tens of seconds while the URL signing window turns
 * under the players. Chromium, ffmpeg and WebRTC: run under the network namespace.
 */
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserHlsIT {

    static final String SECRET = "browser-hls-nodes";
    static final String GUID = "live/hlsshow";
    static final String TOKEN_WINDOW = "5s";

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static StandaloneServer server;
    static String proxy;
    static SimCluster cluster;
    static List<SimNode> edges;
    static PageServer pages;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        Path deps = Path.of(System.getProperty("basedir", "."), "target", "web-deps");
        assertThat(deps.resolve("node_modules/hls.js/dist/hls.min.js"))
                .as("hls.js is fetched from npm before the tests: run scripts/fetch-web-deps.sh").isRegularFile();
        // A signing window of seconds, not the default hour, so every watch below crosses several turns of it.
        fixture = ProxiedCluster.start(dir, SECRET, null, Map.of("proxy.hls.tokenWindow", TOKEN_WINDOW));
        server = fixture.proxy.server;
        proxy = fixture.proxy.base;
        cluster = fixture.cluster;
        SimNode origin = fixture.origin;
        edges = fixture.edges();
        origin.startHls(GUID);
        edges.forEach(e -> e.startHls(GUID));
        pages = new PageServer(dir, deps);
        browser = Browser.start(dir.resolve("browser"));
        await().atMost(Duration.ofSeconds(15)).until(() -> server.core().cluster().stream("ng1", GUID)
                .map(s -> s.locations().stream().filter(l -> !l.publishing()).count() == 2).orElse(false));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (pages != null) {
            pages.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Order(1)
    void aCameraPublishedWithWhipPlaysAsHlsThroughBothPathShapesForTensOfSeconds() throws Exception {
        String guid = "live/webcam";
        Page publisher = browser.open(pages.https("test.html"));
        PageResults.ok(publisher, publisher.call("publish", proxy + "/as/v1/proxy/whip/" + guid,
                PageResults.params("nodeGroup", "ng1"), Map.of()));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.origin.framesDecoded(guid) > 30);
        String url = watchAsHls(guid, "1.7", "/as/v1/proxy/hls/", "1.6", "/as/v1/proxy/whep/");
        // and the microphone's sound (Chromium's fake one beeps), not the silence a node without audio would write
        String playlist = org.smproxy.testing.Https.send(fixture.proxy.client, "GET", url, null).body();
        String segment = playlist.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).reduce((a, b) -> b)
                .orElseThrow();
        byte[] ts = fixture.proxy.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)
                .resolve(segment)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(org.smproxy.sim.AudioLevel.of(ts).maxDb()).as("loudest audio of a segment through the proxy, dB")
                .isGreaterThan(-40.0);
        publisher.close(); // the publisher's peer goes away: the publish ends, and its HLS with it
        await().atMost(Duration.ofSeconds(20)).until(() -> org.smproxy.testing.Https.send(fixture.proxy.client, "GET",
                url, null).statusCode() == 404);
    }

    @Test
    @Order(2)
    void aCameraPublishedWithWebSocketSignallingPlaysAsHlsThroughBothPathShapesForTensOfSeconds() {
        String name = "wscam";
        String guid = "live/" + name;
        Page publisher = browser.open(pages.https("ws-test.html"));
        PageResults.ok(publisher, publisher.call("wsPublish", Map.of("streamName", name, "endpoint",
                proxy.replaceFirst("^https", "wss") + "/as/v1/proxy/ws/publish/" + guid + "?id=" + name + "&nodeGroup=ng1")));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.origin.framesDecoded(guid) > 30);
        // the other way round from the WHIP publish: each hls.js line on each path shape
        String url = watchAsHls(guid, "1.6", "/as/v1/proxy/hls/", "1.7", "/as/v1/proxy/whep/");
        publisher.close();
        await().atMost(Duration.ofSeconds(20)).until(() -> org.smproxy.testing.Https.send(fixture.proxy.client, "GET",
                url, null).statusCode() == 404);
    }

    /**
     * Two viewers of a stream's HLS through the proxy, one per hls.js line and path shape, watched together as
     * viewers watch: {@link HlsWatch#WATCH} of live playback each, keeping up, with no fatal error, while the signing
     * window turns several times under them.
     *
     * @return the first viewer's playlist URL
     */
    private String watchAsHls(String guid, String lineA, String baseA, String lineB, String baseB) {
        String urlA = proxy + baseA + guid + ".m3u8?nodeGroup=ng1";
        String urlB = proxy + baseB + guid + ".m3u8?nodeGroup=ng1";
        // the origin's first 2 s segment comes a few seconds after the first frames
        await().atMost(Duration.ofSeconds(30)).until(() -> org.smproxy.testing.Https.send(fixture.proxy.client, "GET",
                urlA, null).statusCode() == 200);
        Page a = browser.open(pages.https("hls-test.html?hls=" + lineA));
        Page b = browser.open(pages.https("hls-test.html?hls=" + lineB));
        try {
            PageResults.ok(a, a.call("hlsPlay", urlA));
            PageResults.ok(b, b.call("hlsPlay", urlB));
            for (Page p : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(45)).until(() -> number(p, "currentTime") > 0
                        && number(p, "totalVideoFrames") > 10);
            }
            assertThat(a.call("hlsStats").get("version")).as("hls.js line").asString().startsWith(lineA + ".");
            assertThat(b.call("hlsStats").get("version")).as("hls.js line").asString().startsWith(lineB + ".");
            // A picture (only this publish makes HLS of this name; its size is that of the publisher's first frame,
            // which WebRTC may send small while it ramps up).
            assertThat(number(a, "videoWidth")).isPositive();
            HlsWatch.watchAll(Map.of(
                    "hls.js " + lineA + " on " + baseA + guid, () -> a.call("hlsStats"),
                    "hls.js " + lineB + " on " + baseB + guid, () -> b.call("hlsStats")));
            assertThat(a.call("hlsStop")).containsEntry("stopped", true);
            assertThat(b.call("hlsStop")).containsEntry("stopped", true);
        } finally {
            a.close();
            b.close();
        }
        return urlA;
    }

    @Test
    @Order(3)
    void hlsJsPlaysThroughTheProxyAndSurvivesTheLossOfItsEdge() {
        edges.forEach(SimNode::resetHlsRequests);
        Page page = browser.open(pages.https("hls-test.html"));
        PageResults.ok(page, page.call("hlsPlay", proxy + "/as/v1/proxy/hls/" + GUID + ".m3u8?nodeGroup=ng1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> number(page, "currentTime") > 2
                && number(page, "totalVideoFrames") > 30);
        assertThat(number(page, "videoWidth")).isEqualTo(320);

        SimNode serving = edges.get(0).hlsRequests() > 0 ? edges.get(0) : edges.get(1);
        SimNode other = serving == edges.get(0) ? edges.get(1) : edges.get(0);
        assertThat(other.hlsRequests()).as("one viewer stays on one edge").isZero();
        assertThat(segmentRequests(serving)).isPositive();

        serving.stop(); // mid-playback, unannounced; the model still lists it until its heartbeats lapse
        double bufferedAtStop = number(page, "bufferedEnd");
        double framesAtStop = number(page, "totalVideoFrames");
        // Beyond what was buffered: media from the other edge, rendered.
        await().atMost(Duration.ofSeconds(20)).until(() -> number(page, "currentTime") > bufferedAtStop + 2);
        assertThat(segmentRequests(other)).as("segments now come from " + other.id()).isPositive();
        // Frames keep rendering after the switch. A starved headless compositor drops many, so only growth is asked
        // for; currentTime passing the buffer above is what shows media from the new edge played.
        await().atMost(Duration.ofSeconds(30)).until(() -> number(page, "totalVideoFrames") > framesAtStop);
        // and it goes on playing from there as a viewer watches it
        HlsWatch.watch("hls.js after its edge died", () -> page.call("hlsStats"));
        assertThat(page.call("hlsStop")).containsEntry("stopped", true);
        page.close();
    }

    private static long segmentRequests(SimNode node) {
        return node.hlsRequestCounts().entrySet().stream().filter(e -> e.getKey().endsWith(".ts"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static double number(Page page, String stat) {
        Object v = page.call("hlsStats").get(stat);
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}
