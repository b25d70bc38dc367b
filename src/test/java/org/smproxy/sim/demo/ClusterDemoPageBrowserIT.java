package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.smproxy.sim.demo.DemoPageControls.*;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;
import org.smproxy.testing.Https;

/**
 * The page of scripts/cluster-demo.sh in Chromium: it is served beside HAProxy and calls the proxy through it, so
 * every WHIP/WHEP request, WebSocket and HLS fetch below lands on whichever of the three replicas the balancer
 * picks for that connection. Needs a non-loopback interface (run under {@code /work/shared/tools/netns-run}).
 */
@Timeout(420)
class ClusterDemoPageBrowserIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ClusterDemoScript script;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        script = ClusterDemoScript.start(3);
        browser = Browser.start(dir.resolve("browser"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (script != null) {
            script.close();
        }
    }

    @Test
    void publishesAndPlaysOverWhipWhepThroughTheBalancer() {
        Page page = open();
        setUp(page, "lbwhip", "whip");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to origin-1");
        click(page, "play");
        awaitText(page, "play-node", "Played from edge-");
        awaitRenderedFrames(page);
        assertThat(text(page, "requests")).contains("/as/v1/proxy/whip/live/lbwhip", "/as/v1/proxy/whep/live/lbwhip");
        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/lbwhip");
        page.close();
    }

    @Test
    void publishesAndPlaysOverWebSocketsThroughTheBalancer() {
        Page page = open();
        setUp(page, "lbws", "ws2");
        click(page, "publish");
        awaitText(page, "publish-node", "Published to origin-1");
        select(page, "signalling", "ws1");
        click(page, "play");
        awaitText(page, "play-node", "Played from edge-");
        awaitRenderedFrames(page);
        awaitText(page, "play-node", "signalling now on the data channel");
        awaitText(page, "publish-node", "signalling now on the data channel");
        // The tier's session registry, asked of one replica, has no socket left on any of them.
        await().atMost(MEDIA).until(() -> JSON.readTree(admin(script.replica(1), "/as/v1/admin/rtcproxy")).isEmpty());
        assertThat(text(page, "requests")).contains("/as/v1/proxy/ws/publish/live/lbws?id=lbws&host=",
                "/streammanager/?id=subscriber-", "NetStream.Play.Start");
        click(page, "stop");
        click(page, "unpublish");
        awaitStreamGone("live/lbws");
        page.close();
    }

    @Test
    void playsTheNodesHlsThroughTheBalancer() {
        Page page = open();
        assertThat(page.script("return typeof window.Hls;")).as("hls.js packaged from target/web-deps").isEqualTo("function");
        click(page, "play-hls-pattern");
        await().atMost(Duration.ofSeconds(60)).until(() -> renderedFrames(page) > 30);
        awaitText(page, "play-node", "over HLS from edge-");
        assertThat(text(page, "play-url")).contains(script.loadBalancer() + "/as/v1/proxy/hls/");
        watchHls(page, "the demo page's HLS through the balancer");
        click(page, "stop");
        page.close();
    }

    /** The page, once it knows the balancer (its note names it) and shows the cluster the balancer knows. */
    private static Page open() {
        Page page = browser.open(URI.create(script.page()));
        await().atMost(MEDIA).until(() -> text(page, "proxy-origin"), t -> t != null && t.contains(script.loadBalancer()));
        await().atMost(MEDIA).until(() -> text(page, "nodes"), t -> t.contains("origin-1") && t.contains("edge-2"));
        return page;
    }

    private static String admin(String base, String path) throws Exception {
        HttpResponse<String> answer = Https.send(Https.trustingClient(), "GET", base + path, null, script.adminAuth());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return answer.body();
    }

    /** No node lists it any more, as the balancer's replicas see it. */
    private static void awaitStreamGone(String guid) {
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode streams = JSON.readTree(admin(script.loadBalancer(), "/as/v1/admin/streams")).path("ng1");
            for (JsonNode s : streams) {
                if (guid.equals(s.path("streamGuid").asText())) {
                    return false;
                }
            }
            return true;
        });
    }
}
