package org.smproxy.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * The WebSocket relay against a stand-in node on a real socket: both URL shapes, frames, closes, limits, admin.
 * Run through each server adapter of the same proxy (JSR-356 on Tomcat, the Netty listener).
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class WsRelayTest {
    static final String ADMIN = "ws-admin-0123456789abcdef";
    static final String SECRET = "ws-nodes-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static StandaloneServer server;
    static EchoWsNode node;
    static HttpClient http;
    static String base;
    static String wss;
    static String nodeAddress;

    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(dir, "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "proxy.enabled", "true",
                "cluster.heartbeat.timeout", "10m",
                "api.node.secret", SECRET,
                "api.admin.token", ADMIN,
                "proxy.ws.maxSessionsPerAddress", "2000",
                // A thousand handshakes at once on two busy cores can outlast the 3 s default; this test is about leaks.
                "proxy.upstream.connectTimeout", "30s",
                "proxy.cors.allowedOrigins", "https://good.example",
                "standalone.server", "tomcat", "standalone.netty.port", "0"));
        server = proxy.server;
        http = proxy.client;
        base = proxy.base;
        wss = proxy.wss;
        node = new EchoWsNode();
        String hb = "{\"id\":\"ws-origin\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + node.port() + ",\"state\":\"INSERVICE\","
                + "\"streams\":[{\"streamGuid\":\"live/s1\",\"publishing\":true}]}";
        proxy.heartbeat(SECRET, hb);
        nodeAddress = "127.0.0.1:" + node.port();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @BeforeEach
    void clean() {
        String port = String.valueOf("netty".equals(adapter) ? server.nettyPort() : server.httpsPort());
        base = "https://127.0.0.1:" + port;
        wss = "wss://127.0.0.1:" + port;
        // A session an earlier test ended may still be closing on the node: its close must not land in this test's.
        await().atMost(Duration.ofSeconds(10)).until(() -> registry().size() == 0 && node.openSessions() == 0);
        node.clear();
    }

    @org.junit.jupiter.api.AfterEach
    void nodeSawNoErrors() {
        node.errors().forEach(Throwable::printStackTrace);
        assertThat(node.errors()).isEmpty();
    }

    /** A test client: what arrived, and how it closed. */
    static final class Client implements WebSocket.Listener {
        final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private int binaryBytes;
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            binaryBytes += data.remaining();
            if (last) {
                received.add("binary:" + binaryBytes);
                binaryBytes = 0;
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closed.complete("error " + error);
        }

        String next() throws InterruptedException {
            String s = received.poll(5, TimeUnit.SECONDS);
            assertThat(s).as("a frame within 5 s").isNotNull();
            return s;
        }
    }

    static Client connect(String url, String... headers) {
        Client c = new Client();
        WebSocket.Builder b = http.newWebSocketBuilder().subprotocols("json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        c.ws = b.buildAsync(URI.create(url), c).join();
        return c;
    }

    /** The node's record of the upgrade for one client id (other tests' late arrivals may be there too). */
    static EchoWsNode.Handshake handshake(String id) {
        return node.handshakes().stream().filter(h -> h.query() != null && h.query().contains("id=" + id)).findFirst()
                .orElseThrow(() -> new AssertionError("the node saw no upgrade for id=" + id + ": " + node.handshakes()));
    }

    static SessionRegistry registry() {
        return server.core().wsSessions();
    }

    @Test
    void sm1ShapeRelaysBothWaysWithRed5sForwardingHeaders() throws Exception {
        Client c = connect(wss + "/streammanager/?id=cam1&host=" + nodeAddress + "&app=live&username=u",
                "User-Agent", "TestBrowser/1.0", "X-Request-Id", "ws-req-7");
        assertThat(c.ws.getSubprotocol()).isEqualTo("json");
        c.ws.sendText("{\"publish\":\"cam1\"}", true).join();
        assertThat(c.next()).isEqualTo("{\"publish\":\"cam1\"}");
        c.ws.sendBinary(ByteBuffer.wrap(new byte[300]), true).join();
        assertThat(c.next()).isEqualTo("binary:300");
        EchoWsNode.Handshake h = handshake("cam1");
        assertThat(h.path()).isEqualTo("/live/");
        assertThat(h.query()).contains("id=cam1").contains("username=u").doesNotContain("host=").doesNotContain("app=");
        assertThat(h.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(h.header("X-Forwarded-For-Meta-Secure")).isEqualTo("true");
        assertThat(h.header("X-Forwarded-For-Meta-Type")).isEqualTo("WEB");
        assertThat(h.header("X-Forwarded-For-Meta-Port")).isNotBlank();
        assertThat(h.header("User-Agent")).isEqualTo("TestBrowser/1.0");
        assertThat(h.header("X-Request-Id")).as("the upgrade's request id reaches the node").isEqualTo("ws-req-7");
        assertThat(h.subprotocols()).contains("json");
        c.ws.sendClose(4000, "bye").join();
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).startsWith("4000");
        await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0 && node.openSessions() == 0);
        assertThat(node.closes().get(0).getCloseCode().getCode()).isEqualTo(4000);
    }

    @Test
    void sm2ShapeChoosesTheNodeAndFramesSentEarlyArriveInOrder() throws Exception {
        // flags read as on every other path: any case, and a garbled one refused
        Client c = connect(wss + "/as/v1/proxy/ws/subscribe/live/s1?id=subscriber-1&nodeGroup=ng1&strict=FALSE");
        for (int i = 0; i < 50; i++) {
            c.ws.sendText("m" + i, true).join(); // some before the node leg is even open
        }
        for (int i = 0; i < 50; i++) {
            assertThat(c.next()).isEqualTo("m" + i);
        }
        EchoWsNode.Handshake h = handshake("subscriber-1");
        assertThat(h.path()).isEqualTo("/live/");
        assertThat(h.query()).isEqualTo("id=subscriber-1");
        c.ws.sendText("close:4001:node says bye", true).join();
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).isEqualTo("4001 node says bye");
        await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0);
    }

    @Test
    void aDeadNodeClosesItsClientsWithinASecondAndAVanishedClientClosesTheNode() throws Exception {
        try (EchoWsNode doomed = new EchoWsNode()) {
            String hb = "{\"id\":\"doomed\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"127.0.0.1\","
                    + "\"httpPort\":" + doomed.port() + ",\"state\":\"INSERVICE\"}";
            Https.send(http, "POST", base + "/as/v1/nodes/heartbeat", hb, "Authorization", "Bearer " + SECRET);
            Client c = connect(wss + "/streammanager/?id=x&host=127.0.0.1:" + doomed.port() + "&app=live");
            c.ws.sendText("ping", true).join();
            assertThat(c.next()).isEqualTo("ping");
            long killed = System.nanoTime();
            doomed.close();
            assertThat(c.closed.get(5, TimeUnit.SECONDS)).doesNotStartWith("1000");
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0);
        } finally {
            server.core().cluster().remove("doomed", "test over");
        }
        Client vanishing = connect(wss + "/streammanager/?id=y&host=" + nodeAddress + "&app=live");
        vanishing.ws.sendText("hello", true).join();
        assertThat(vanishing.next()).isEqualTo("hello");
        vanishing.ws.abort(); // no close frame: the TCP connection just goes
        await().atMost(Duration.ofSeconds(10)).until(() -> registry().size() == 0 && node.openSessions() == 0);
    }

    @Test
    void badRequestsAreRefusedBeforeTheUpgradeWithAStatus() {
        assertHandshakeStatus(wss + "/streammanager/?id=x&host=203.0.113.77&app=live", 400);
        assertHandshakeStatus(wss + "/streammanager/?id=x&app=live", 400);
        assertHandshakeStatus(wss + "/streammanager/?id=x&host=" + nodeAddress + "&app=../etc", 400);
        assertHandshakeStatus(wss + "/as/v1/proxy/ws/subscribe/live/not-live?nodeGroup=ng1", 404);
        assertHandshakeStatus(wss + "/as/v1/proxy/ws/dance/live/s1?nodeGroup=ng1", 404);
        assertHandshakeStatus(wss + "/as/v1/proxy/ws/subscribe/live/s1?nodeGroup=ng1&strict=maybe", 400);
        assertHandshakeStatus(wss + "/as/v1/proxy/ws/publish/live/new?nodeGroup=nope", 404);
        assertHandshakeStatus(wss + "/as/v1/proxy/ws/subscribe/live/s1?nodeGroup=ng1", 403, "Origin", "https://evil.example");
        Client fine = connect(wss + "/as/v1/proxy/ws/subscribe/live/s1?nodeGroup=ng1", "Origin", "https://good.example");
        fine.ws.abort();
        assertThat(node.handshakes()).hasSizeLessThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry().size() == 0 && node.openSessions() == 0);
    }

    private static void assertHandshakeStatus(String url, int status, String... headers) {
        try {
            connect(url, headers);
            throw new AssertionError("upgrade of " + url + " should have been refused");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            HttpResponse<?> r = ((WebSocketHandshakeException) e.getCause()).getResponse();
            assertThat(r.statusCode()).as(url).isEqualTo(status);
        }
    }

    @Test
    void messagesLargerThanTheContainersBufferArriveWhole() throws Exception {
        // The container hands the pair pieces of at most 2 KB; an SDP of tens of KB (and split client frames) must
        // still reach the node, and come back, as one message.
        Client c = connect(wss + "/streammanager/?id=sdp&host=" + nodeAddress + "&app=live");
        String sdp = "{\"sdp\":\"" + "a=candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host\\r\\n".repeat(600) + "\"}";
        c.ws.sendText(sdp.substring(0, 5_000), false).join();
        c.ws.sendText(sdp.substring(5_000), true).join();
        assertThat(c.next()).isEqualTo(sdp);
        c.ws.sendBinary(ByteBuffer.wrap(new byte[40_000]), true).join();
        assertThat(c.next()).isEqualTo("binary:40000");
        c.ws.sendText("{\"after\":1}", true).join();
        assertThat(c.next()).isEqualTo("{\"after\":1}");
        c.ws.sendClose(1000, "").join();
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).startsWith("1000");
    }

    @Test
    void framesOverTheLimitCloseWith1009() throws Exception {
        Client c = connect(wss + "/streammanager/?id=big&host=" + nodeAddress + "&app=live");
        c.ws.sendText("x".repeat(70_000), true);
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).startsWith("1009");
        await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0);
    }

    @Test
    void adminsListAndKickSessionsInBothGenerationsShapes() throws Exception {
        Client a = connect(wss + "/as/v1/proxy/ws/publish/live/adminstream?id=adminstream&host=" + nodeAddress);
        Client b = connect(wss + "/streammanager/?id=sm1client&host=" + nodeAddress + "&app=live");
        a.ws.sendText("a", true).join();
        b.ws.sendText("b", true).join();
        a.next();
        b.next();
        assertThat(Https.send(http, "GET", base + "/as/v1/admin/rtcproxy", null).statusCode()).isEqualTo(401);
        JsonNode sm2 = JSON.readTree(Https.send(http, "GET", base + "/as/v1/admin/rtcproxy", null,
                "Authorization", "Bearer " + ADMIN).body());
        assertThat(sm2.size()).isEqualTo(2);
        JsonNode entry = sm2.fields().next().getValue();
        assertThat(entry.get("status").asText()).isEqualTo("CONNECTED");
        JsonNode count = JSON.readTree(Https.send(http, "GET",
                base + "/streammanager/api/4.0/admin/proxy/clients?count=true&accessToken=" + ADMIN, null).body());
        assertThat(count.get("count").asInt()).isEqualTo(2);
        JsonNode clients = JSON.readTree(Https.send(http, "GET",
                base + "/streammanager/api/4.0/admin/proxy/clients?filter=healthy&accessToken=" + ADMIN, null).body());
        assertThat(clients).hasSize(2);
        assertThat(clients.get(0).get("targetPort").asInt()).isEqualTo(node.port());
        assertThat(clients.get(0).get("secureClient").asBoolean()).isTrue();
        assertThat(Https.send(http, "DELETE", base + "/as/v1/admin/rtcproxy/live/adminstream", null,
                "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(200);
        assertThat(a.closed.get(5, TimeUnit.SECONDS)).startsWith("1000");
        String id = clients.get(1).get("id").asText();
        assertThat(Https.send(http, "DELETE", base + "/streammanager/api/4.0/admin/proxy/clients/" + id
                + "?accessToken=" + ADMIN, null).statusCode()).isEqualTo(200);
        assertThat(b.closed.get(5, TimeUnit.SECONDS)).startsWith("1000");
        assertThat(Https.send(http, "DELETE", base + "/as/v1/admin/rtcproxy/nothing", null,
                "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(5)).until(() -> registry().size() == 0);
    }

    @Test
    void aThousandConcurrentSessionsOpenTalkAndCloseWithoutLeaks() throws Exception {
        int threadsBefore = Thread.activeCount();
        List<Client> clients = new ArrayList<>();
        for (int wave = 0; wave < 10; wave++) {
            // Waves of 100: what the server's TCP accept backlog takes at once; a real crowd arrives over time too.
            List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Client c = new Client();
                clients.add(c);
                opening.add(http.newWebSocketBuilder().buildAsync(URI.create(wss + "/as/v1/proxy/ws/subscribe/live/s1?id=load-"
                        + clients.size() + "&host=" + nodeAddress), c).thenApply(ws -> c.ws = ws));
            }
            CompletableFuture.allOf(opening.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> registry().size() >= 1000);
        // No thread per session: with a thousand open (each two sockets in the proxy) the JVM, which also runs the
        // thousand test clients and the node, has grown by at most the containers' bounded pools.
        int threadsAtPeak = Thread.activeCount();
        System.out.println("threads before " + threadsBefore + ", with 1000 sessions " + threadsAtPeak);
        assertThat(threadsAtPeak - threadsBefore).isLessThan(450);
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).ws.sendText("hello-" + i, true);
        }
        for (int i = 0; i < clients.size(); i++) {
            assertThat(clients.get(i).next()).isEqualTo("hello-" + i);
        }
        for (Client c : clients) {
            c.ws.sendClose(1000, "done");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> registry().size() == 0 && node.openSessions() == 0);
    }
}
