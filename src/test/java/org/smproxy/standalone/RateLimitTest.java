package org.smproxy.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * Floods from one client are answered 429 with Retry-After on both servers, while other clients are served. The
 * test is its own load balancer: 127.0.0.1 is a trusted proxy, so each case names its client in X-Forwarded-For.
 */
class RateLimitTest {
    static final String ADMIN = "rate-admin-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.ofEntries(
                Map.entry("proxy.rateLimit.enabled", "true"),
                Map.entry("proxy.rateLimit.offers", "0.2/s burst 3"),
                Map.entry("proxy.rateLimit.lookups", "0.2/s burst 4"),
                Map.entry("proxy.rateLimit.websocket", "0.2/s burst 2"),
                Map.entry("proxy.rateLimit.authFailures", "0.2/s burst 3"),
                Map.entry("proxy.trustedProxies", "127.0.0.1"),
                Map.entry("proxy.enabled", "true"),
                Map.entry("cluster.defaultNodeGroup", "ng1"),
                Map.entry("api.admin.token", ADMIN),
                Map.entry("standalone.server", "tomcat"),
                Map.entry("standalone.netty.port", "0")));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String base(String adapter) {
        return "netty".equals(adapter) ? "https://127.0.0.1:" + proxy.server.nettyPort() : proxy.base;
    }

    /** Each adapter's run speaks for clients of its own, since both share the one core's buckets. */
    private static String client(String adapter, int n) {
        return ("netty".equals(adapter) ? "203.0.113." : "198.51.100.") + n;
    }

    private static HttpResponse<String> send(String adapter, String method, String path, String body, String client,
                                             String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "X-Forwarded-For";
        all[1] = client;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return Https.send(proxy.client, method, base(adapter) + path, body, all);
    }

    private static void assertRefused(HttpResponse<String> r, String field, String key) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 5));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get(field).asText()).contains(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "netty"})
    void offersPastTheBurstAre429WhileOtherClientsAreServed(String adapter) throws Exception {
        String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
        String flooder = client(adapter, 1);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = send(adapter, "POST", "/as/v1/proxy/whip/live/flood", sdp, flooder,
                    "Content-Type", "application/sdp");
            assertThat(r.statusCode()).as(r.body()).isNotEqualTo(429);
        }
        assertRefused(send(adapter, "POST", "/as/v1/proxy/whip/live/flood", sdp, flooder, "Content-Type", "application/sdp"),
                "error", "proxy.rateLimit.offers");
        assertRefused(send(adapter, "POST", "/live/whip/endpoint/flood", sdp, flooder, "Content-Type", "application/sdp"),
                "error", "WHIP/WHEP offers"); // the 1.x WHProxy shape shares the bucket
        assertThat(send(adapter, "OPTIONS", "/as/v1/proxy/whip/live/flood", null, flooder).statusCode())
                .as("only offers count").isNotEqualTo(429);
        assertThat(send(adapter, "POST", "/as/v1/proxy/whip/live/flood", sdp, client(adapter, 2),
                "Content-Type", "application/sdp").statusCode()).isNotEqualTo(429);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "netty"})
    void lookupsPastTheBurstAre429InEachFamilysDialect(String adapter) throws Exception {
        String flooder = client(adapter, 3);
        for (int i = 0; i < 4; i++) {
            assertThat(send(adapter, "GET", "/streammanager/api/4.0/event/live/x?action=subscribe", null, flooder)
                    .statusCode()).isEqualTo(404);
        }
        assertRefused(send(adapter, "GET", "/streammanager/api/4.0/event/live/x?action=subscribe", null, flooder),
                "errorMessage", "proxy.rateLimit.lookups");
        assertRefused(send(adapter, "GET", "/as/v1/streams/stream/ng1/subscribe/live/x", null, flooder),
                "error", "stream lookups");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "netty"})
    void tokenGuessesAreCountedAndPastTheBudgetEvenTheRightTokenWaits(String adapter) throws Exception {
        String guesser = client(adapter, 4);
        for (int i = 0; i < 3; i++) {
            assertThat(send(adapter, "GET", "/as/v1/admin/nodes", null, guesser, "Authorization", "Bearer guess-" + i)
                    .statusCode()).isEqualTo(401);
        }
        assertRefused(send(adapter, "GET", "/as/v1/admin/nodes", null, guesser, "Authorization", "Bearer " + ADMIN),
                "error", "failed token checks");
        assertThat(send(adapter, "GET", "/as/v1/admin/nodes", null, client(adapter, 5), "Authorization", "Bearer " + ADMIN)
                .statusCode()).isEqualTo(200);
        String metrics = send(adapter, "GET", "/as/v1/metrics", null, client(adapter, 5)).body();
        assertThat(metrics).containsPattern("smproxy_auth_failures_total(\\{[^}]*})? [3-9]")
                .containsPattern("smproxy_ratelimit_refused_total\\{kind=\"auth_failures\"[^}]*} [1-9]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "netty"})
    void webSocketUpgradesPastTheBurstAre429BeforeAnyNodeIsAsked(String adapter) throws Exception {
        String flooder = client(adapter, 6);
        URI uri = URI.create(base(adapter).replace("https:", "wss:") + "/as/v1/proxy/ws/subscribe/live/x");
        int noStream = upgrade(uri, flooder); // no such stream: selection ran and said so
        assertThat(noStream).isBetween(400, 503).isNotEqualTo(429);
        assertThat(upgrade(uri, flooder)).isEqualTo(noStream);
        assertThat(upgrade(uri, flooder)).isEqualTo(429);
        assertThat(upgrade(uri, client(adapter, 7))).isEqualTo(noStream);
    }

    private static int upgrade(URI uri, String client) throws Exception {
        try {
            WebSocket ws = proxy.client.newWebSocketBuilder().header("X-Forwarded-For", client)
                    .buildAsync(uri, new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
            ws.abort();
            return 101;
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
        }
    }
}
