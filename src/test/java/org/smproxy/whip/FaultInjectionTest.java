package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.testing.FaultyNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * Nodes that fail in the ways real ones do, on real sockets, through each server adapter: every failure has its
 * status and a JSON reason, arrives within the upstream timeout, and the proxy lets go of the node's connection.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class FaultInjectionTest {
    static final String SECRET = "fault-node-secret-0123456789";
    static final String SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static FaultyNode node;
    static FaultyNode edge;
    static final String[] MODES = {"close", "reset", "garbage", "huge", "tricklehead", "tricklebody"};

    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("api.node.secret", SECRET, "cluster.heartbeat.timeout", "10m", "proxy.upstream.timeout", "1s",
                        "proxy.upstream.connectTimeout", "1s", "standalone.server", "tomcat", "standalone.netty.port", "0"));
        node = new FaultyNode();
        String hb = "{\"id\":\"faulty\",\"nodeGroup\":\"ng1\",\"role\":\"origin\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":"
                + node.port() + ",\"state\":\"INSERVICE\"}";
        proxy.heartbeat(SECRET, hb);
        edge = new FaultyNode();
        StringBuilder streams = new StringBuilder();
        for (String mode : MODES) {
            streams.append(streams.length() == 0 ? "" : ",").append("{\"streamGuid\":\"live/").append(mode).append("\"}");
        }
        String edgeHb = "{\"id\":\"faulty-edge\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + edge.port() + ",\"state\":\"INSERVICE\",\"streams\":[" + streams + "]}";
        proxy.heartbeat(SECRET, edgeHb);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Each way the node fails, and the status the client gets for it. */
    static Stream<Arguments> faults() {
        return Stream.of(Arguments.of("close", 502), Arguments.of("reset", 502), Arguments.of("garbage", 502),
                Arguments.of("huge", 502), Arguments.of("tricklehead", 504), Arguments.of("tricklebody", 504));
    }

    /** Polls the node's own count of connections until the proxy has let go of them all. */
    private static void assertLetGo(FaultyNode n, String mode) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (n.openConnections() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        assertThat(n.openConnections()).as(mode + ": the proxy closed its connection to the node").isZero();
    }

    private String base() {
        return "netty".equals(adapter) ? "https://127.0.0.1:" + proxy.server.nettyPort() : proxy.base;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void aFailingNodeIsAStatusWithAReasonAndItsConnectionIsLetGo(String mode, int status) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = Https.send(proxy.client, "POST", base() + "/as/v1/proxy/whip/live/" + mode, SDP,
                "Content-Type", "application/sdp");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.statusCode()).as(mode + ": " + r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(JSON.readTree(r.body()).get("error").asText()).as(mode).isNotBlank();
        assertThat(took).as(mode + " within the 1 s upstream timeout and some slack").isLessThan(Duration.ofSeconds(5));
        assertLetGo(node, mode);
        String metrics = Https.send(proxy.client, "GET", proxy.base + "/as/v1/metrics", null).body();
        assertThat(metrics).as("counted by status").containsPattern(
                "smproxy_relay_requests_seconds_count\\{[^}]*status=\"" + status + "\"[^}]*} [1-9]");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void anHlsEdgeFailingIsAStatusTooAndNothingIsCachedOrHeld(String mode, int status) throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) { // the second is not served a cached failure as a playlist
            long start = System.nanoTime();
            HttpResponse<String> r = Https.send(proxy.client, "GET", base() + "/as/v1/proxy/hls/live/" + mode + ".m3u8",
                    null);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.statusCode()).as(mode + ": " + r.body()).isEqualTo(status);
            assertThat(JSON.readTree(r.body()).get("error").asText()).as(mode).isNotBlank();
            assertThat(took).as(mode).isLessThan(Duration.ofSeconds(5));
        }
        assertLetGo(edge, mode);
    }

    @org.junit.jupiter.api.Test
    void aNodesOwnServerErrorPassesThroughUnchanged() throws Exception {
        HttpResponse<String> r = Https.send(proxy.client, "POST", base() + "/as/v1/proxy/whip/live/error500", SDP,
                "Content-Type", "application/sdp");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("{\"error\":\"the node broke\"}");
    }
}
