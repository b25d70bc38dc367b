package org.smproxy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.RedisServer;
import org.smproxy.testing.TestProxy;

/**
 * Replicas of the proxy sharing one real {@code redis-server}: whatever reaches one replica (heartbeats, operator
 * states, WebSocket sessions, kicks) is seen by the others, a silent node leaves all of them once, and a lost
 * server degrades the tier without stopping it.
 */
class RedisTierTest {
    static final String ADMIN = "tier-admin-token-0123456789";
    static final String SECRET = "tier-node-secret-0123456789";
    static final String CLUSTER = "{\"nodeGroups\":[{\"name\":\"ng1\",\"shuffleSizeExpression\":\"1\"},"
            + "{\"name\":\"one\",\"maxPublishers\":1}]}";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    RedisServer redis;
    final List<TestProxy> replicas = new ArrayList<>();
    final HttpClient http = Https.trustingClient();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (TestProxy p : replicas) {
            p.close();
        }
        redis.close();
    }

    TestProxy replica(String name, String... extra) throws Exception {
        return replicaOf(CLUSTER, name, extra);
    }

    TestProxy replicaOf(String cluster, String name, String... extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "cluster.store", "redis",
                "cluster.store.url", redis.url(),
                "cluster.store.prefix", "test:",
                "cluster.replica.id", name,
                "cluster.heartbeat.interval", "500ms",
                "cluster.heartbeat.timeout", "2s",
                "api.admin.token", ADMIN,
                "api.node.secret", SECRET,
                "proxy.session.secret", "tier-session-secret-0123456789",
                "proxy.enabled", "true"));
        for (int i = 0; i < extra.length; i += 2) {
            settings.put(extra[i], extra[i + 1]);
        }
        TestProxy p = TestProxy.start(java.nio.file.Files.createDirectories(dir.resolve(name)), cluster, settings);
        replicas.add(p);
        await(name + " ready").atMost(Duration.ofSeconds(15)).until(() -> status(p, "GET", "/as/v1/ready") == 200);
        return p;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    HttpResponse<String> send(TestProxy p, String method, String path, String body, String token) throws Exception {
        List<String> headers = new ArrayList<>(List.of("Content-Type", "application/json"));
        if (token != null) {
            headers.addAll(List.of("Authorization", "Bearer " + token));
        }
        return Https.send(http, method, p.base + path, body, headers.toArray(String[]::new));
    }

    int status(TestProxy p, String method, String path) throws Exception {
        return send(p, method, path, null, ADMIN).statusCode();
    }

    JsonNode json(TestProxy p, String path) throws Exception {
        HttpResponse<String> r = send(p, "GET", path, null, ADMIN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    void heartbeat(TestProxy p, String id, String group, String address, int port, String streams) throws Exception {
        String hb = "{\"id\":\"" + id + "\",\"nodeGroup\":\"" + group + "\",\"role\":\"allinone\",\"publicAddress\":\""
                + address + "\",\"httpPort\":" + port + ",\"state\":\"INSERVICE\",\"streams\":[" + streams + "]}";
        HttpResponse<String> r = send(p, "POST", "/as/v1/nodes/heartbeat", hb, SECRET);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    List<String> nodeIds(TestProxy p) throws Exception {
        List<String> ids = new ArrayList<>();
        json(p, "/as/v1/admin/nodes").forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    String chosenForPublish(TestProxy p, String stream) throws Exception {
        HttpResponse<String> r = send(p, "GET", "/as/v1/streams/stream/ng1/publish/" + stream, null, null);
        return r.statusCode() == 200 ? JSON.readTree(r.body()).get(0).get("serverAddress").asText() : "status " + r.statusCode();
    }

    // ---- the tier ---------------------------------------------------------------------------------------------

    @Test
    void aHeartbeatToOneReplicaIsChosenByAnother() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        // within one heartbeat interval
        await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(10))
                .until(() -> chosenForPublish(b, "live/cam").equals("198.51.100.1"));
        assertThat(nodeIds(b)).containsExactly("o1");
    }

    @Test
    void aDrainOnOneReplicaStopsTheOthersChoosingTheNode() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        heartbeat(a, "o2", "ng1", "198.51.100.2", 5080, "");
        await().until(() -> nodeIds(b).size() == 2);
        HttpResponse<String> drain = send(b, "PUT", "/as/v1/admin/nodes/o1/state", "{\"state\":\"SOFT_SUNSET\"}", ADMIN);
        assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> "SOFT_SUNSET".equals(json(a, "/as/v1/admin/nodes/o1").get("state").asText()));
        for (int i = 0; i < 20; i++) {
            assertThat(chosenForPublish(a, "live/cam" + i)).isEqualTo("198.51.100.2");
        }
        // the override outlives the node's own heartbeats, on every replica
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        assertThat(json(b, "/as/v1/admin/nodes/o1").get("state").asText()).isEqualTo("SOFT_SUNSET");
        assertThat(send(a, "DELETE", "/as/v1/admin/nodes/o1/state", null, ADMIN).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> "INSERVICE".equals(json(b, "/as/v1/admin/nodes/o1").get("state").asText()));
    }

    @Test
    void aSilentNodeLeavesEveryReplicaWithinTheTimeoutPlusASecond() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        TestProxy c = replica("c");
        heartbeat(b, "edge-quiet", "ng1", "198.51.100.7", 5080, "");
        long sent = System.nanoTime();
        await().until(() -> nodeIds(a).contains("edge-quiet") && nodeIds(c).contains("edge-quiet"));
        await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50))
                .until(() -> nodeIds(a).isEmpty() && nodeIds(b).isEmpty() && nodeIds(c).isEmpty());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        assertThat(tookMs).as("dropped %d ms after its last heartbeat (timeout 2 s)", tookMs).isBetween(1900L, 3000L);
    }

    @Test
    void aStaticNodeThatAlsoHeartbeatsOutlivesItsSilenceOnEveryReplica() throws Exception {
        String withStatic = "{\"nodeGroups\":[{\"name\":\"ng1\"}],\"nodes\":[{\"id\":\"fixed\",\"role\":\"origin\","
                + "\"nodeGroup\":\"ng1\",\"publicAddress\":\"198.51.100.50\"}]}";
        TestProxy a = replicaOf(withStatic, "a");
        TestProxy b = replicaOf(withStatic, "b");
        heartbeat(a, "fixed", "ng1", "198.51.100.50", 5080, "");
        heartbeat(a, "dynamic", "ng1", "198.51.100.51", 5080, "");
        await().until(() -> nodeIds(b).contains("dynamic"));
        await().atMost(Duration.ofSeconds(4)).until(() -> !nodeIds(b).contains("dynamic") && !nodeIds(a).contains("dynamic"));
        assertThat(nodeIds(a)).containsExactly("fixed");
        assertThat(nodeIds(b)).containsExactly("fixed");
    }

    @Test
    void publisherQuotasCountAcrossTheTier() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        heartbeat(a, "solo", "one", "198.51.100.9", 5080, "{\"streamGuid\":\"live/first\",\"publishing\":true}");
        await().atMost(Duration.ofSeconds(1)).until(
                () -> send(b, "GET", "/as/v1/streams/stream/one/publish/live/second", null, null).statusCode() == 503);
        HttpResponse<String> full = send(b, "GET", "/as/v1/streams/stream/one/publish/live/second", null, null);
        assertThat(full.body()).contains("maxPublishers");
    }

    @Test
    void everyReplicaListsAndKicksEverySession() throws Exception {
        try (EchoWsNode node = new EchoWsNode()) {
            TestProxy a = replica("a");
            TestProxy b = replica("b");
            heartbeat(a, "ws-origin", "ng1", "127.0.0.1", node.port(), "{\"streamGuid\":\"live/s1\",\"publishing\":true}");
            await().until(() -> nodeIds(b).contains("ws-origin"));
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            WebSocket ws = http.newWebSocketBuilder().subprotocols("json")
                    .buildAsync(URI.create(a.wss + "/as/v1/proxy/ws/subscribe/live/s1?id=viewer-1&nodeGroup=ng1"),
                            new WebSocket.Listener() {
                                @Override
                                public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                                    closed.complete(code);
                                    return null;
                                }
                            }).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(2)).until(() -> json(b, "/as/v1/admin/rtcproxy").size() == 1);
            JsonNode entry = json(b, "/as/v1/admin/rtcproxy").elements().next();
            assertThat(entry.get("replica").asText()).isEqualTo("a");
            assertThat(entry.get("streamGuid").asText()).isEqualTo("live/s1");
            await().atMost(Duration.ofSeconds(2)).until(
                    () -> "CONNECTED".equals(json(b, "/as/v1/admin/rtcproxy").elements().next().get("status").asText()));
            JsonNode sm1 = json(b, "/streammanager/api/4.0/admin/proxy/clients");
            assertThat(sm1).hasSize(1);
            assertThat(sm1.get(0).get("replica").asText()).isEqualTo("a");

            assertThat(send(b, "DELETE", "/as/v1/admin/rtcproxy/live/s1", null, ADMIN).statusCode()).isEqualTo(200);
            assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(2)).until(() -> json(b, "/as/v1/admin/rtcproxy").isEmpty()
                    && json(a, "/as/v1/admin/rtcproxy").isEmpty());
            assertThat(send(b, "DELETE", "/as/v1/admin/rtcproxy/live/s1", null, ADMIN).statusCode()).isEqualTo(404);
            ws.abort();
        }
    }

    @Test
    void aLostServerDegradesTheTierWithoutStoppingIt() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        await().until(() -> nodeIds(b).contains("o1"));

        redis.kill();
        await("both degraded").atMost(Duration.ofSeconds(5)).until(
                () -> status(a, "GET", "/as/v1/ready") == 503 && status(b, "GET", "/as/v1/ready") == 503);
        assertThat(json(a, "/as/v1/health").get("status").asText()).isEqualTo("DEGRADED");
        assertThat(JSON.readTree(send(b, "GET", "/as/v1/ready", null, null).body()).get("reason").asText())
                .contains("out of reach");
        // serving from the last view, well past the heartbeat timeout: no replica's clock alone drops a node
        long outage = System.nanoTime();
        await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(chosenForPublish(b, "live/cam")).isEqualTo("198.51.100.1");
        // heartbeats are taken locally; an operator change, which the tier would not see, is refused
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        heartbeat(a, "late", "ng1", "198.51.100.3", 5080, "");
        HttpResponse<String> refused = send(b, "PUT", "/as/v1/admin/nodes/o1/state", "{\"state\":\"FAULT\"}", ADMIN);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).toString()).contains("out of reach");

        redis.start(); // empty: a server restarted without persistence
        await("both ready again").atMost(Duration.ofSeconds(10)).until(
                () -> status(a, "GET", "/as/v1/ready") == 200 && status(b, "GET", "/as/v1/ready") == 200);
        // a's heartbeats from the outage were re-shared, so b converges on them
        await().atMost(Duration.ofSeconds(2)).until(() -> nodeIds(b).contains("late"));
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outage)).isLessThan(30);
        HttpResponse<String> drain = send(b, "PUT", "/as/v1/admin/nodes/late/state", "{\"state\":\"FAULT\"}", ADMIN);
        assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> "FAULT".equals(json(a, "/as/v1/admin/nodes/late").get("state").asText()));
    }

    @Test
    void aNodeTokenRevokedOnOneReplicaIsRefusedByEveryReplicaAndOneStartedLater() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        HttpResponse<String> issued = send(a, "POST", "/as/v1/admin/nodes/leaky/token", "", ADMIN);
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        JsonNode t = JSON.readTree(issued.body());
        String hb = "{\"id\":\"leaky\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"198.51.100.9\","
                + "\"httpPort\":5080,\"state\":\"INSERVICE\"}";
        assertThat(send(b, "POST", "/as/v1/nodes/heartbeat", hb, t.get("token").asText()).statusCode()).isEqualTo(200);
        assertThat(send(a, "DELETE", "/as/v1/admin/tokens/" + t.get("tokenId").asText(), null, ADMIN).statusCode())
                .isEqualTo(200);
        assertThat(send(a, "POST", "/as/v1/nodes/heartbeat", hb, t.get("token").asText()).statusCode())
                .as("on the replica that revoked it, at once").isEqualTo(403);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> send(b, "POST", "/as/v1/nodes/heartbeat", hb, t.get("token").asText()).statusCode() == 403);
        TestProxy late = replica("late");
        assertThat(send(late, "POST", "/as/v1/nodes/heartbeat", hb, t.get("token").asText()).statusCode())
                .as("a replica started after the revocation reads it").isEqualTo(403);
        assertThat(json(late, "/as/v1/admin/tokens").get("revoked").toString()).contains(t.get("tokenId").asText());
    }

    @Test
    void aReplicaStartedLateConverges() throws Exception {
        TestProxy a = replica("a");
        heartbeat(a, "o1", "ng1", "198.51.100.1", 5080, "");
        heartbeat(a, "o2", "ng1", "198.51.100.2", 5080, "");
        assertThat(send(a, "PUT", "/as/v1/admin/nodes/o2/state", "{\"state\":\"SOFT_SUNSET\"}", ADMIN).statusCode())
                .isEqualTo(200);
        TestProxy late = replica("late");
        assertThat(nodeIds(late)).containsExactly("o1", "o2");
        assertThat(json(late, "/as/v1/admin/nodes/o2").get("state").asText()).isEqualTo("SOFT_SUNSET");
        assertThat(json(late, "/as/v1/health").get("store").get("state").asText()).isEqualTo("SYNCED");
    }

    @Test
    void aServerUnreachableAtStartUpIsRetriedAndTheReplicaIsNotReadyMeanwhile() throws Exception {
        redis.kill();
        TestProxy a = TestProxy.start(java.nio.file.Files.createDirectories(dir.resolve("early")), CLUSTER, Map.of("cluster.store", "redis",
                "cluster.store.url", redis.url(), "cluster.replica.id", "early", "api.admin.token", ADMIN,
                "api.node.secret", SECRET));
        replicas.add(a);
        assertThat(status(a, "GET", "/as/v1/ready")).isEqualTo(503);
        assertThat(json(a, "/as/v1/health").get("store").get("state").asText()).isEqualTo("CONNECTING");
        redis.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> status(a, "GET", "/as/v1/ready") == 200);
    }
}
