package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.smproxy.sim.demo.DemoPageControls.*;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;

/**
 * The demo page in Chromium, driven through its own controls: publish the fake camera and play it back through
 * the proxy over WebSocket signalling (SM 2.0 shape to publish, SM 1.x shape to play) and over WHIP/WHEP, and play
 * the nodes' HLS with hls.js (needs ffmpeg, and hls.js from {@code scripts/fetch-web-deps.sh}). The demo
 * runs in this JVM as {@code --demo} starts it (proxy, simulated cluster, page on the proxy's origin). Needs a
 * non-loopback interface (run under {@code /work/shared/tools/netns-run}).
 */
@Timeout(180)
class DemoPageBrowserIT {

    @TempDir
    static Path dir;
    static DemoLauncher demo;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        demo = DemoLauncher.start(new DemoOptions(0, "127.0.0.1"));
        demo.startCluster();
        demo.awaitNodesInService();
        browser = Browser.start(dir.resolve("browser"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void publishesAndPlaysOverWebSocketSignalling() {
        Page page = browser.open(URI.create(demo.pageUrl()));
        setUp(page, "wsdemo", "ws2");
        assertThat(text(page, "publish")).isEqualTo("Publish camera (WebSocket)");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to origin-1");
        // Playing over the SM 1.x shape: each side signals the way it was started.
        select(page, "signalling", "ws1");
        click(page, "play");
        awaitText(page, "play-node", "Played from edge-");
        awaitRenderedFrames(page);
        // The page hands both sockets to the data channel, as Red5's SDK does: the proxy holds no session.
        awaitText(page, "play-node", "signalling now on the data channel");
        awaitText(page, "publish-node", "signalling now on the data channel");
        await().atMost(MEDIA).until(() -> demo.server().core().wsSessions().size() == 0);
        long frames = renderedFrames(page);
        await().atMost(MEDIA).until(() -> renderedFrames(page) > frames + 10);
        assertThat(text(page, "requests")).contains("/as/v1/streams/stream/ng1/publish/live/wsdemo",
                "/as/v1/proxy/ws/publish/live/wsdemo?id=wsdemo&host=", "NetStream.Publish.Start",
                "/streammanager/api/4.0/event/live/wsdemo?action=subscribe", "/streammanager/?id=subscriber-",
                "NetStream.Play.Start", "switchChannel");
        // after both hand-offs: from the publisher's data channel to the player's, through origin and edge
        sendAndAwaitMessage(page, "hello after the hand-off");

        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/wsdemo");
        page.close();
    }

    /**
     * ABR as the demo offers it: the page provisions three renditions, publishes the camera with transcoding to the
     * transcoder, and plays the smallest rendition from an edge at its own size.
     */
    @Test
    void publishesWithTranscodingAndPlaysARenditionAtItsOwnSize() {
        Page page = browser.open(URI.create(demo.pageUrl()));
        setUp(page, "abrdemo", "whip");
        page.script("document.getElementById('abr').checked = true;");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to transcoder-1");
        assertThat(text(page, "requests")).contains("/as/v1/proxy/whip/live/abrdemo_1");
        select(page, "rendition", "_3");
        click(page, "play");
        awaitText(page, "play-node", "Played from edge-");
        awaitRenderedFrames(page);
        await().atMost(MEDIA).until(() -> page.script("return document.getElementById('remote').videoWidth;"),
                w -> w instanceof Number n && n.intValue() == 320);
        assertThat(text(page, "play-url")).contains("/as/v1/proxy/whep/live/abrdemo_3");
        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/abrdemo_3");
        page.close();
    }

    @Test
    void theWhipWhepPathStillWorks() {
        Page page = browser.open(URI.create(demo.pageUrl()));
        setUp(page, "whipdemo", "whip");
        assertThat(text(page, "publish")).isEqualTo("Publish camera (WHIP)");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to origin-1");
        click(page, "play");
        awaitText(page, "play-node", "Played from edge-");
        awaitRenderedFrames(page);
        assertThat(text(page, "play-node")).contains("Session-Host");
        assertThat(text(page, "requests")).contains("/as/v1/proxy/whip/live/whipdemo", "/as/v1/proxy/whep/live/whipdemo");
        // the publisher's message over its WHIP session's data channel, relayed by the origin to the viewer's edge
        sendAndAwaitMessage(page, "hello over WHIP");
        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/whipdemo");
        page.close();
    }

    @Test
    void playsTheCameraJustPublishedAsHlsThroughTheProxy() {
        Page page = browser.open(URI.create(demo.pageUrl()));
        setUp(page, "hlsdemo", "whip");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to origin-1");
        click(page, "play-hls");
        await().atMost(Duration.ofSeconds(60)).until(() -> renderedFrames(page) > 30);
        awaitText(page, "play-node", "Playing live/hlsdemo over HLS from edge-");
        assertThat(text(page, "play-url")).contains("/as/v1/proxy/hls/live/hlsdemo.m3u8");
        watchHls(page, "the demo page's HLS of its camera");
        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/hlsdemo");
        page.close();
    }

    @Test
    void playsTheNodesHlsThroughTheProxyWithHlsJs() {
        Page page = browser.open(URI.create(demo.pageUrl()));
        assertThat(page.script("return typeof window.Hls;")).as("hls.js packaged from target/web-deps").isEqualTo("function");
        click(page, "play-hls-pattern");
        await().atMost(Duration.ofSeconds(40)).until(() -> renderedFrames(page) > 30);
        awaitText(page, "play-node", "over HLS from edge-");
        awaitText(page, "play-stats", "segment(s) loaded");
        watchHls(page, "the demo page's HLS of the nodes' pattern");
        click(page, "stop");
        awaitText(page, "play-node", "Not playing.");
        page.close();
    }

    /** Nobody publishes or plays it any more: no node lists it. */
    private static void awaitStreamGone(String guid) {
        await().atMost(Duration.ofSeconds(15)).until(() -> demo.server().core().cluster().stream("ng1", guid).isEmpty());
    }
}
