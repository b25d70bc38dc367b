package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Heartbeats against a fake node API; no media, so no special network needed. */
@Timeout(30)
class SimNodeHeartbeatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Beat(String authorization, JsonNode body) {
    }

    private final List<Beat> beats = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile long answeredIntervalMs = 100;
    private HttpServer proxy;
    private SimCluster cluster;

    @BeforeEach
    void startFakeProxy() throws IOException {
        proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext(Heartbeat.PATH, this::answer);
        proxy.start();
        URI base = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort() + "/");
        cluster = new SimCluster(SimNodeConfig.defaults().nodeGroup("ng1").subGroup("us-east")
                .proxy(base, "s3cret").heartbeatIntervalMs(100));
    }

    @AfterEach
    void stop() {
        cluster.close();
        proxy.stop(0);
    }

    @Test
    void reportsTheNodeRepeatedlyWithItsSecret() {
        SimNode origin = cluster.startOrigin("origin-1");
        SimNode edge = cluster.startEdge("edge-1", origin);

        await().atMost(Duration.ofSeconds(5)).until(() -> edge.heartbeatsAccepted() >= 3);
        Beat beat = lastBeatOf("edge-1");
        assertThat(beat.authorization()).isEqualTo("Bearer s3cret");
        JsonNode body = beat.body();
        assertThat(body.path("role").asText()).isEqualTo("edge");
        assertThat(body.path("nodeGroup").asText()).isEqualTo("ng1");
        assertThat(body.path("subGroup").asText()).isEqualTo("us-east");
        assertThat(body.path("state").asText()).isEqualTo("INSERVICE");
        assertThat(body.path("httpPort").asInt()).isEqualTo(edge.httpPort());
        assertThat(body.path("publicAddress").asText()).isEqualTo(edge.config().publicAddress());
        assertThat(body.path("privateAddress").asText()).isEqualTo(edge.config().publicAddress());
        assertThat(body.path("metrics").path("connections.subscriber").asInt()).isZero();
        assertThat(body.path("streams").isArray()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> origin.heartbeatsAccepted() >= 1);
        assertThat(lastBeatOf("origin-1").body().path("role").asText()).isEqualTo("origin");
    }

    @Test
    void keepsBeatingThroughProxyErrorsAndReportsStateChanges() {
        failuresLeft.set(2);
        SimNode node = cluster.startAllInOne("aio-1");

        await().atMost(Duration.ofSeconds(5)).until(() -> node.heartbeatsAccepted() >= 1);
        node.setState("SOFT_SUNSET");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lastBeatOf("aio-1").body().path("state").asText().equals("SOFT_SUNSET"));
    }

    @Test
    void followsTheIntervalTheProxyAsksFor() throws Exception {
        answeredIntervalMs = 1500;
        SimNode node = cluster.startAllInOne("aio-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> node.heartbeatsAccepted() >= 1);
        int seen = beats.size();
        // Awaiting the absence of beats: the 100 ms configured pace would have sent several by now.
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(2)).until(() -> beats.size() == seen);
    }

    @Test
    void stoppedNodeGoesSilentAndClosesItsPort() {
        SimNode edge = cluster.startEdge("edge-1", cluster.startOrigin("origin-1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> edge.heartbeatsAccepted() >= 1);
        URI stats = edge.baseUrl().resolve(NodeServlet.STATS_PATH);

        edge.stop();
        int seen = edge.heartbeatsAccepted();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> edge.heartbeatsAccepted() == seen);
        assertThatThrownBy(() -> SimHttp.send("GET", stats, null, null)).isInstanceOf(ConnectException.class);
    }

    private Beat lastBeatOf(String nodeId) {
        return beats.stream().filter(b -> b.body().path("id").asText().equals(nodeId))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no heartbeat from " + nodeId));
    }

    private void answer(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        beats.add(new Beat(exchange.getRequestHeaders().getFirst("Authorization"), body));
        boolean fail = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        byte[] reply = fail ? "boom".getBytes(StandardCharsets.UTF_8)
                : JSON.writeValueAsBytes(java.util.Map.of("nodeId", body.path("id").asText(),
                        "state", body.path("state").asText(), "heartbeatIntervalMs", answeredIntervalMs));
        exchange.sendResponseHeaders(fail ? 500 : 200, reply.length);
        exchange.getResponseBody().write(reply);
        exchange.close();
    }
}
