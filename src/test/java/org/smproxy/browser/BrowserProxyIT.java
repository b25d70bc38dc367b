package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
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
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.Https;
import org.smproxy.testing.ProxiedCluster;

/**
 * Chromium through the proxy, as a browser on an https page of another origin sees it: the standalone server
 * (in this JVM, HTTPS, self-signed), a simulated cluster of one origin and two edges that joined it by heartbeat,
 * and pages that publish and play with Red5's SDK wire protocol (smproxy-client.js) or a standard WHIP client.
 * The proxy carries only signalling: media flows between Chromium and the nodes. Needs a non-loopback interface
 * (run under {@code /work/shared/tools/netns-run}).
 */
@Timeout(180)
class BrowserProxyIT {

    static final String SECRET = "browser-nodes-0123456789abcdef";
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final Duration CLUSTER = Duration.ofSeconds(15);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static StandaloneServer server;
    static String proxy;
    static HttpClient http;
    static SimCluster cluster;
    static SimNode origin;
    static SimNode edge1;
    static SimNode edge2;
    static PageServer pages;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of());
        server = fixture.proxy.server;
        proxy = fixture.proxy.base;
        http = Https.trustingClient();
        cluster = fixture.cluster;
        origin = fixture.origin;
        edge1 = fixture.edge1;
        edge2 = fixture.edge2;
        // The pages come from their own origin (another port), so every call to the proxy is cross-origin.
        pages = new PageServer(dir, Path.of(System.getProperty("basedir", "."), "target", "web-deps"));
        browser = Browser.start(dir.resolve("browser"));
        await().atMost(CLUSTER).until(() -> api("/as/v1/streams/stream/ng1/publish/live/probe").statusCode() == 200);
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
    void red5ClientsPublishAndPlayThroughTheSm2Proxy() throws Exception {
        String stream = "sm2show";
        String guid = "live/" + stream;
        Page publisher = browser.open(pages.https("test.html"));
        Map<String, Object> pub = PageResults.ok(publisher, publisher.call("publish",
                proxy + "/as/v1/proxy/whip/" + guid, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(PageResults.methodsAndStatuses(pub)).containsExactly("OPTIONS 204", "POST 201", "PATCH 204");
        String originAddress = (String) pub.get("sessionHost");
        assertThat(PageResults.url(pub, "POST")).isEqualTo(proxy + "/as/v1/proxy/whip/" + guid
                + "?signal=true&nodeGroup=ng1&mode=live&transport=udp&keyFramerate=3000&host=" + originAddress);
        assertThat((String) pub.get("resourceUrl")).startsWith(proxy + "/as/v1/proxy/whip/resource/");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);

        // The proxy's own view: the origin publishes it, both edges carry it, under the addresses clients see.
        Map<String, List<String>> byRole = awaitCarriers(guid, 2);
        assertThat(byRole.get("origin")).containsExactly(originAddress);

        Page viewer = browser.open(pages.https("test.html"));
        Map<String, Object> play = PageResults.ok(viewer, viewer.call("play",
                proxy + "/as/v1/proxy/whep/" + guid, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        String edgeAddress = (String) play.get("sessionHost");
        assertThat(byRole.get("edge")).contains(edgeAddress);
        String requestId = (String) play.get("requestId");
        assertThat((String) play.get("resourceUrl")).startsWith(proxy + "/as/v1/proxy/whep/resource/")
                .endsWith("?requestId=" + requestId);
        assertThat(PageResults.urls(play)).allSatisfy(u -> assertThat(u).contains("requestId=" + requestId));
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer, "framesDecoded") > 30);
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer, "videoWidth") > 0);
        SimNode servingEdge = servingEdge(guid);

        // A second viewer with SDK 15's recvonly offer in the POST body gets the node's offer all the same.
        Page viewer2 = browser.open(pages.https("test.html"));
        Map<String, Object> play2 = PageResults.ok(viewer2, viewer2.call("playClientOffer",
                proxy + "/as/v1/proxy/whep/" + guid, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(byRole.get("edge")).contains((String) play2.get("sessionHost"));
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer2, "framesDecoded") > 30);
        assertThat(edge1.subscriberCount(guid) + edge2.subscriberCount(guid)).isEqualTo(2);

        assertThat(PageResults.hangup(viewer)).isEqualTo(200L);
        assertThat(PageResults.hangup(viewer2)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> edge1.subscriberCount(guid) + edge2.subscriberCount(guid) == 0);
        assertThat(servingEdge.subscriberCount()).isZero();
        assertThat(PageResults.hangup(publisher)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing(guid));
        List.of(publisher, viewer, viewer2).forEach(Page::close);
    }

    @Test
    void red5ClientsPublishAndPlayThroughTheSm1WhproxyShape() throws Exception {
        String guid = "live/sm1show";
        Page publisher = browser.open(pages.https("test.html"));
        // Red5's SM 1.x testbed: the node's own URL shape on the proxy, no node group, no host.
        Map<String, Object> pub = PageResults.ok(publisher, publisher.call("publish",
                proxy + "/live/whip/endpoint/sm1show", Map.of(), Map.of()));
        assertThat(PageResults.methodsAndStatuses(pub)).containsExactly("OPTIONS 204", "POST 201", "PATCH 204");
        assertThat((String) pub.get("resourceUrl")).startsWith(proxy + "/live/whip/resource/");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        Map<String, List<String>> byRole = awaitCarriers(guid, 2);
        assertThat(byRole.get("origin")).containsExactly((String) pub.get("sessionHost"));

        Page viewer = browser.open(pages.https("test.html"));
        Map<String, Object> play = PageResults.ok(viewer, viewer.call("play",
                proxy + "/live/whep/endpoint/sm1show", Map.of(), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        assertThat(byRole.get("edge")).contains((String) play.get("sessionHost"));
        assertThat((String) play.get("resourceUrl")).startsWith(proxy + "/live/whep/resource/");
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer, "framesDecoded") > 30);

        assertThat(PageResults.hangup(viewer)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> edge1.subscriberCount(guid) + edge2.subscriberCount(guid) == 0);
        assertThat(PageResults.hangup(publisher)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing(guid));
        List.of(publisher, viewer).forEach(Page::close);
    }

    @Test
    void aStandardWhipClientPublishesThroughTheProxy() {
        Path deps = Path.of(System.getProperty("basedir", "."), "target", "web-deps", "node_modules", "whip-whep");
        assertThat(deps.resolve("whip.js"))
                .as("the standard WHIP client is fetched from npm before the tests: run scripts/fetch-web-deps.sh")
                .isRegularFile();
        String guid = "live/standard";
        Page publisher = browser.open(pages.https("standard-whip.html"));
        // No OPTIONS, no host=: the proxy picks the origin on POST and routes the rest by the Location it gave.
        Map<String, Object> pub = PageResults.ok(publisher, publisher.call("publish",
                proxy + "/as/v1/proxy/whip/" + guid + "?nodeGroup=ng1"));
        assertThat((String) pub.get("resourceUrl")).startsWith(proxy + "/as/v1/proxy/whip/resource/");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        assertThat(PageResults.longStat(publisher, "framesEncoded")).isPositive();
        assertThat(publisher.call("hangup")).containsEntry("status", "deleted");
        await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing(guid));
        publisher.close();
    }

    /** Waits until the Streams API lists the stream on its origin and on this many edges; addresses by role. */
    private static Map<String, List<String>> awaitCarriers(String guid, int edges) {
        return await().atMost(CLUSTER).until(() -> carriers(guid),
                byRole -> byRole.getOrDefault("origin", List.of()).size() == 1
                        && byRole.getOrDefault("edge", List.of()).size() == edges);
    }

    private static Map<String, List<String>> carriers(String guid) throws Exception {
        HttpResponse<String> r = api("/as/v1/streams/stream/ng1/stream/" + guid);
        if (r.statusCode() != 200) {
            return Map.of();
        }
        Map<String, List<String>> byRole = new java.util.TreeMap<>();
        for (JsonNode entry : JSON.readTree(r.body())) {
            byRole.computeIfAbsent(entry.get("nodeRole").asText(), k -> new java.util.ArrayList<>())
                    .add(entry.get("serverAddress").asText());
        }
        return byRole;
    }

    private static SimNode servingEdge(String guid) {
        return edge1.subscriberCount(guid) > 0 ? edge1 : edge2;
    }

    private static HttpResponse<String> api(String path) throws Exception {
        return Https.send(http, "GET", proxy + path, null);
    }
}
