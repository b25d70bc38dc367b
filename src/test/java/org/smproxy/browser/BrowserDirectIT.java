package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;

/**
 * Chromium against simulated Red5 nodes with no proxy in between: smproxy-client.js publishes the fake camera
 * to an origin over WHIP, and a second page plays it from an edge over Red5's server-offer WHEP. Proves the
 * browser client and the nodes agree before the proxy is put between them. Needs a non-loopback interface
 * (run under {@code /work/shared/tools/netns-run}).
 */
@Timeout(120)
class BrowserDirectIT {

    private static final Duration MEDIA = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static SimCluster cluster;
    static SimNode origin;
    static SimNode edge;
    static PageServer pages;
    static Browser browser;

    @BeforeAll
    static void start() {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        cluster = new SimCluster();
        origin = cluster.startOrigin("origin-1");
        edge = cluster.startEdge("edge-1", origin);
        pages = new PageServer(dir, null);
        browser = Browser.start(dir.resolve("browser"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (pages != null) {
            pages.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void browserPublishesToTheOriginAndAnotherPagePlaysFromTheEdge() {
        String guid = "live/direct1";
        // Plain-HTTP page: the nodes are plain HTTP (that is why the proxy exists), and an https page may not
        // call them (mixed content). 127.0.0.1 is still a secure context, so getUserMedia works.
        Page publisher = browser.open(pages.http("test.html"));
        Map<String, Object> pub = PageResults.ok(publisher,
                publisher.call("publish", origin.whipEndpoint(guid).toString(), Map.of(), Map.of()));
        assertThat(PageResults.methodsAndStatuses(pub)).containsExactly("OPTIONS 204", "POST 201", "PATCH 204");
        assertThat(pub.get("sessionHost")).as("a node names no Session-Host").isNull();
        assertThat(pub.get("resourceUrl")).isEqualTo(origin.baseUrl() + "/live/whip/resource/direct1");
        assertThat(PageResults.url(pub, "POST")).endsWith("/live/whip/endpoint/direct1?signal=true&mode=live"
                + "&transport=udp&keyFramerate=3000");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        assertThat(PageResults.stats(publisher).get("framesEncoded")).isNotNull();

        Page player = browser.open(pages.http("test.html"));
        String whep = edge.baseUrl() + "/live/whep/endpoint/direct1";
        Map<String, Object> play = PageResults.ok(player, player.call("play", whep, Map.of(), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        String requestId = (String) play.get("requestId");
        assertThat(requestId).matches("subscriber-[0-9a-f]{1,4}");
        assertThat(PageResults.urls(play)).allSatisfy(u -> assertThat(u).contains("requestId=" + requestId));
        assertThat(play.get("resourceUrl"))
                .isEqualTo(edge.baseUrl() + "/live/whep/resource/direct1?requestId=" + requestId);
        await().atMost(MEDIA).until(() -> PageResults.longStat(player, "framesDecoded") > 30);
        await().atMost(MEDIA).until(() -> PageResults.longStat(player, "videoWidth") > 0);
        assertThat(edge.subscriberCount(guid)).isEqualTo(1);

        assertThat(PageResults.hangup(player)).isEqualTo(200L);
        assertThat(edge.subscriberCount(guid)).isZero();
        assertThat(PageResults.hangup(publisher)).isEqualTo(200L);
        assertThat(origin.isPublishing(guid)).isFalse();
        List.of(publisher, player).forEach(Page::close);
    }

    @Test
    void aRecvonlyClientOfferInThePostStillGetsTheNodesOffer() {
        String guid = "live/direct2";
        Page publisher = browser.open(pages.http("test.html"));
        PageResults.ok(publisher, publisher.call("publish", origin.whipEndpoint(guid).toString(),
                PageResults.params("username", "u1", "transcode", "false"), Map.of()));
        Map<String, Object> pub = publisher.call("hangup");
        // connectionParams go unencoded on OPTIONS, POST (minus transcode) and trickle, never on DELETE.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> requests = (List<Map<String, Object>>) pub.get("requests");
        assertThat(requests).extracting(r -> r.get("method") + " " + r.get("url").toString().replaceAll("^.*/direct2", ""))
                .containsExactly("OPTIONS ?signal=true&username=u1&transcode=false",
                        "POST ?signal=true&username=u1&mode=live&transport=udp&keyFramerate=3000",
                        "PATCH ?username=u1",
                        "DELETE ");

        PageResults.ok(publisher, publisher.call("publish", origin.whipEndpoint(guid).toString(), Map.of(), Map.of()));
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        Page player = browser.open(pages.http("test.html"));
        Map<String, Object> play = PageResults.ok(player, player.call("playClientOffer",
                edge.baseUrl() + "/live/whep/endpoint/direct2", Map.of(), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        await().atMost(MEDIA).until(() -> PageResults.longStat(player, "framesDecoded") > 30);
        assertThat(PageResults.hangup(player)).isEqualTo(200L);
        assertThat(PageResults.hangup(publisher)).isEqualTo(200L);
        List.of(publisher, player).forEach(Page::close);
    }
}
