package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.WsHandshake;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.ProxiedCluster;

/**
 * Chromium over Red5's WebSocket signalling through the proxy, from an https page of another origin: the fake
 * camera is published to the origin and played from an edge of a simulated cluster (1 origin, 2 edges, joined by
 * heartbeat). Both URL shapes are driven by {@code smproxy-ws-client.js}, which sends the messages of Red5's SDK
 * 11-14 RTCPublisher/RTCSubscriber (the SDK itself is licensed for use with Red5 Pro only); the SM 1.x session finds
 * its node through the event API first, as Red5's testbed does. Needs a non-loopback interface (run under
 * {@code /work/shared/tools/netns-run}).
 */
@Timeout(180)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class BrowserWsProxyIT {

    static final String SECRET = "browser-ws-nodes";
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final Duration CLUSTER = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    static ProxiedCluster fixture;
    static StandaloneServer server;
    static String proxy;
    static String wss;
    static SimCluster cluster;
    static SimNode origin;
    static SimNode edge1;
    static SimNode edge2;
    static PageServer pages;
    static Browser browser;

    /** The server adapter the browser's sockets and API calls go through: Tomcat's JSR-356 or the Netty listener. */
    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        Path deps = Path.of(System.getProperty("basedir", "."), "target", "web-deps");
        // proxy.enabled: the SM 1.x socket endpoint, as in Red5
        fixture = ProxiedCluster.start(dir, SECRET, "us-east", Map.of("proxy.enabled", "true",
                "standalone.server", "tomcat", "standalone.netty.port", "0"));
        server = fixture.proxy.server;
        cluster = fixture.cluster;
        origin = fixture.origin;
        edge1 = fixture.edge1;
        edge2 = fixture.edge2;
        pages = new PageServer(dir, deps);
        browser = Browser.start(dir.resolve("browser"));
        await().atMost(CLUSTER).until(() -> server.core().cluster().nodes().size() == 3);
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

    @BeforeEach
    void pickAdapter() {
        int port = "netty".equals(adapter) ? server.nettyPort() : server.httpsPort();
        proxy = "https://127.0.0.1:" + port;
        wss = "wss://127.0.0.1:" + port;
    }

    @Test
    void theSm1SocketShapeCarriesAPublisherAndPlayerFoundThroughTheEventApi() {
        String name = "sdkshow" + adapter;
        String guid = "live/" + name;
        Page publisher = browser.open(pages.https("ws-test.html"));
        // Red5's testbed: the event API names the origin, then the socket goes to the proxy naming it as host.
        Map<String, Object> pub = ok(publisher, publisher.call("wsPublish", sm1(name, Map.of(),
                proxy + "/streammanager/api/4.0/event/live/" + name + "?action=broadcast")));
        assertThat(pub).containsEntry("client", "smproxy-ws-client");
        String originAddress = address("origin-1");
        assertThat(pub).containsEntry("serverAddress", originAddress);
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        WsHandshake published = handshake(origin, "id=" + name);
        assertThat(published.path()).isEqualTo("/live/");
        assertForwarded(published);

        awaitCarriedByEdges(guid);
        Page viewer = browser.open(pages.https("ws-test.html"));
        Map<String, Object> play = ok(viewer, viewer.call("wsPlay", sm1(name,
                Map.of("subscriptionId", "sdk-viewer-" + adapter),
                proxy + "/streammanager/api/4.0/event/live/" + name + "?action=subscribe")));
        String edgeAddress = (String) play.get("serverAddress");
        assertThat(edgeAddress).isIn(address("edge-1"), address("edge-2"));
        SimNode edge = edgeAddress.equals(address("edge-1")) ? edge1 : edge2;
        await().atMost(MEDIA).until(() -> longStat(viewer, "framesDecoded") > 30);
        await().atMost(MEDIA).until(() -> longStat(viewer, "renderedFrames") > 10 && longStat(viewer, "videoWidth") > 0);
        assertThat(edge.subscriberCount(guid)).isEqualTo(1);
        WsHandshake played = handshake(edge, "id=sdk-viewer-" + adapter);
        assertThat(played.path()).isEqualTo("/live/");
        assertForwarded(played);

        // As the SDK does, signalling moves to the data channel and the sockets close: the proxy holds no session.
        await().atMost(MEDIA).until(() -> server.core().wsSessions().size() == 0);
        long decoded = longStat(viewer, "framesDecoded");
        await().atMost(MEDIA).until(() -> longStat(viewer, "framesDecoded") > decoded + 30);

        stopAsAnAppDoes(publisher, viewer, edge, guid);
        List.of(publisher, viewer).forEach(Page::close);
    }

    @Test
    void theSm2SocketShapeCarriesABrowserPublisherAndPlayer() {
        String name = "sm2ws" + adapter;
        String guid = "live/" + name;
        Page publisher = browser.open(pages.https("ws-test.html"));
        Map<String, Object> pub = ok(publisher, publisher.call("wsPublish", Map.of("streamName", name,
                "endpoint", wss + "/as/v1/proxy/ws/publish/" + guid + "?id=" + name + "&nodeGroup=ng1")));
        assertThat(pub).containsEntry("client", "smproxy-ws-client");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(guid) > 30);
        WsHandshake published = handshake(origin, "id=" + name);
        assertThat(published.path()).isEqualTo("/live/");
        assertForwarded(published);

        awaitCarriedByEdges(guid);
        Page viewer = browser.open(pages.https("ws-test.html"));
        ok(viewer, viewer.call("wsPlay", Map.of("streamName", name, "subscriptionId", "sm2-viewer-" + adapter,
                "endpoint", wss + "/as/v1/proxy/ws/subscribe/" + guid + "?id=sm2-viewer-" + adapter + "&nodeGroup=ng1")));
        await().atMost(MEDIA).until(() -> longStat(viewer, "framesDecoded") > 30);
        await().atMost(MEDIA).until(() -> longStat(viewer, "renderedFrames") > 10);
        SimNode edge = edge1.subscriberCount(guid) > 0 ? edge1 : edge2;
        assertThat(edge.subscriberCount(guid)).isEqualTo(1);
        WsHandshake played = handshake(edge, "id=sm2-viewer-" + adapter);
        assertThat(played.path()).isEqualTo("/live/");
        assertThat(played.query()).isEqualTo("id=sm2-viewer-" + adapter);
        assertForwarded(played);

        await().atMost(MEDIA).until(() -> server.core().wsSessions().size() == 0);
        long decoded = longStat(viewer, "framesDecoded");
        await().atMost(MEDIA).until(() -> longStat(viewer, "framesDecoded") > decoded + 30);

        stopAsAnAppDoes(publisher, viewer, edge, guid);
        List.of(publisher, viewer).forEach(Page::close);
    }

    /**
     * As an app stops: the publisher's unpublish() is awaited (after the hand-off it goes over the data channel) and
     * answered with "<stream> stopping" within a second; the viewer, still playing, is told UnpublishNotify; then
     * the viewer stops; nothing is left in the proxy or on the nodes.
     */
    private static void stopAsAnAppDoes(Page publisher, Page viewer, SimNode edge, String guid) {
        Map<String, Object> stopped = ok(publisher, publisher.call("stop"));
        assertThat(stopped).containsEntry("stopped", true);
        @SuppressWarnings("unchecked")
        Map<String, Object> answered = (Map<String, Object>) stopped.get("answered");
        assertThat(answered).as("the node answered the unpublish").containsEntry("answered", true)
                .containsEntry("over", "datachannel");
        assertThat(((Number) answered.get("ms")).longValue()).isLessThan(1000);
        await().atMost(Duration.ofSeconds(10)).until(() -> !origin.isPublishing(guid));
        await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(PageResults.stats(viewer).get("statusCodes"))
                .contains("NetStream.Play.UnpublishNotify"));
        assertThat(ok(viewer, viewer.call("stop"))).containsEntry("stopped", true);
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.subscriberCount(guid) == 0);
        assertThat(server.core().wsSessions().size()).isZero();
    }

    /** An SM 1.x session: the page asks {@code lookup} (the event API) for the node and opens the proxy's socket. */
    private static Map<String, Object> sm1(String streamName, Map<String, Object> extra, String lookup) {
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("proxy", wss);
        config.put("streamName", streamName);
        config.put("lookup", lookup);
        config.putAll(extra);
        return config;
    }

    /** What Red5's Stream Manager tells a node about the browser behind it. */
    private static void assertForwarded(WsHandshake h) {
        assertThat(h.header("X-Forwarded-For")).hasValue("127.0.0.1");
        assertThat(h.header("X-Forwarded-For-Meta-Port")).hasValueSatisfying(
                p -> assertThat(Integer.parseInt(p)).isPositive());
        assertThat(h.header("X-Forwarded-For-Meta-Secure")).hasValue("true");
        assertThat(h.header("X-Forwarded-For-Meta-Type")).hasValue("WEB");
        assertThat(h.header("User-Agent")).hasValueSatisfying(ua -> assertThat(ua).contains("Chrome"));
    }

    private static WsHandshake handshake(SimNode node, String queryPart) {
        List<WsHandshake> all = node.wsHandshakes();
        return all.stream().filter(h -> h.query() != null && List.of(h.query().split("&")).contains(queryPart))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(node.id() + " saw no upgrade with " + queryPart + ": " + all));
    }

    private static String address(String nodeId) {
        return server.core().cluster().findById(nodeId).orElseThrow().address();
    }

    private static void awaitCarriedByEdges(String guid) {
        await().atMost(CLUSTER).until(() -> server.core().cluster().stream("ng1", guid)
                .map(s -> s.locations().stream().filter(l -> !l.publishing()).count() == 2).orElse(false));
    }

    private static Map<String, Object> ok(Page page, Map<String, Object> result) {
        return PageResults.ok(page, result);
    }

    private static long longStat(Page page, String name) {
        return PageResults.longStat(page, name);
    }
}
