package org.smproxy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;
import org.smproxy.testing.RedisServer;
import org.smproxy.testing.TestProxy;

/**
 * Provisions are cluster state: replicas sharing one real {@code redis-server} see each other's creates, updates and
 * deletes, a replica started or restarted later reads them all, a write that cannot reach the server is refused, and
 * a server restarted empty gets them back from the replicas.
 */
class ProvisionTierTest {
    static final String ADMIN = "provision-tier-admin-0123456789";
    static final String SECRET = "provision-tier-nodes-0123456789";
    static final String CLUSTER = "{\"nodeGroups\":[{\"name\":\"ng1\",\"shuffleSizeExpression\":\"1\"}]}";
    static final String PROVISIONS = "/as/v1/streams/provision/ng1";
    static final String ABR = "[{\"provisionGuid\":\"live/abr\",\"streams\":[{\"streamGuid\":\"live/abr_1\",\"abrLevel\":1,"
            + "\"videoParams\":{\"videoWidth\":1280,\"videoHeight\":720,\"videoBitRate\":2000000}},{\"streamGuid\":"
            + "\"live/abr_2\",\"abrLevel\":2,\"videoParams\":{\"videoWidth\":640,\"videoHeight\":360,\"videoBitRate\":800000}}]}]";
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

    TestProxy replica(String name) throws Exception {
        TestProxy p = TestProxy.start(Files.createDirectories(dir.resolve(name + "-" + System.nanoTime())), CLUSTER, Map.of(
                "cluster.store", "redis", "cluster.store.url", redis.url(), "cluster.store.prefix", "test:",
                "cluster.replica.id", name, "cluster.heartbeat.timeout", "10m", "api.admin.token", ADMIN,
                "api.node.secret", SECRET));
        replicas.add(p);
        await(name + " ready").atMost(Duration.ofSeconds(15)).until(() -> status(p, "GET", "/as/v1/ready", null) == 200);
        return p;
    }

    HttpResponse<String> send(TestProxy p, String method, String path, String body) throws Exception {
        return Https.send(http, method, p.base + path, body, "Content-Type", "application/json",
                "Authorization", "Bearer " + ADMIN);
    }

    int status(TestProxy p, String method, String path, String body) throws Exception {
        return send(p, method, path, body).statusCode();
    }

    int renditions(TestProxy p) throws Exception {
        HttpResponse<String> r = send(p, "GET", PROVISIONS + "/live/abr", null);
        return r.statusCode() == 200 ? JSON.readTree(r.body()).get("streams").size() : -r.statusCode();
    }

    /** What a transcoding publish of the first rendition gets on that replica: the roles, or the status. */
    String transcodingPublish(TestProxy p) throws Exception {
        HttpResponse<String> r = send(p, "GET", "/as/v1/streams/stream/ng1/publish/live/abr_1?transcode=true", null);
        return r.statusCode() == 200 ? JSON.readTree(r.body()).findValuesAsText("nodeRole").toString() : "" + r.statusCode();
    }

    void nodes(TestProxy p) throws Exception {
        for (String[] n : new String[][] {{"t1", "transcoder", "198.51.100.1"}, {"o1", "origin", "198.51.100.2"}}) {
            p.heartbeat(SECRET, "{\"id\":\"" + n[0] + "\",\"nodeGroup\":\"ng1\",\"role\":\"" + n[1] + "\",\"publicAddress\":\""
                    + n[2] + "\",\"httpPort\":5080,\"state\":\"INSERVICE\"}");
        }
    }

    @Test
    void aProvisionCreatedOnOneReplicaIsReadUpdatedAndDeletedOnAnother() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        nodes(a);
        assertThat(transcodingPublish(b)).isEqualTo("404");

        assertThat(status(a, "POST", PROVISIONS, ABR)).isEqualTo(201);
        assertThat(renditions(a)).as("on the replica that wrote it, at once").isEqualTo(2);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).until(() -> renditions(b) == 2);
        assertThat(transcodingPublish(b)).isEqualTo("[transcoder, origin]");
        assertThat(status(b, "POST", PROVISIONS, ABR)).isEqualTo(409);

        String one = ABR.replaceAll(",\\{\"streamGuid\":\"live/abr_2\".*\\}\\]\\}\\]$", "]}]");
        assertThat(status(b, "PUT", PROVISIONS, one)).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).until(() -> renditions(a) == 1);

        assertThat(status(b, "DELETE", PROVISIONS + "/live/abr", null)).isEqualTo(204);
        assertThat(renditions(b)).isEqualTo(-404);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).until(() -> renditions(a) == -404);
        assertThat(transcodingPublish(a)).isEqualTo("404");
    }

    @Test
    void aReplicaStartedLaterOrRestartedReadsEveryProvision() throws Exception {
        TestProxy a = replica("a");
        assertThat(status(a, "POST", PROVISIONS, ABR)).isEqualTo(201);
        TestProxy late = replica("late");
        assertThat(renditions(late)).isEqualTo(2);

        a.close();
        replicas.remove(a);
        TestProxy again = replica("a");
        assertThat(renditions(again)).as("a restarted replica").isEqualTo(2);
        assertThat(status(again, "DELETE", PROVISIONS + "/live/abr", null)).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).until(() -> renditions(late) == -404);
    }

    @Test
    void aWriteThatCannotReachTheServerIs503AndReadsAndSelectionGoOn() throws Exception {
        TestProxy a = replica("a");
        nodes(a);
        assertThat(status(a, "POST", PROVISIONS, ABR)).isEqualTo(201);
        redis.kill();
        await("degraded").atMost(Duration.ofSeconds(5)).until(() -> status(a, "GET", "/as/v1/ready", null) == 503);

        String other = ABR.replace("live/abr", "live/other");
        for (HttpResponse<String> refused : List.of(send(a, "POST", PROVISIONS, other), send(a, "PUT", PROVISIONS, ABR),
                send(a, "DELETE", PROVISIONS + "/live/abr", null))) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(JSON.readTree(refused.body()).get("error").asText()).contains("out of reach");
        }
        assertThat(renditions(a)).isEqualTo(2);
        assertThat(status(a, "GET", PROVISIONS + "/live/other", null)).isEqualTo(404);
        assertThat(transcodingPublish(a)).isEqualTo("[transcoder, origin]");
    }

    @Test
    void aServerRestartedEmptyGetsTheProvisionsBackFromTheReplicas() throws Exception {
        TestProxy a = replica("a");
        TestProxy b = replica("b");
        assertThat(status(a, "POST", PROVISIONS, ABR)).isEqualTo(201);
        await().atMost(Duration.ofSeconds(1)).until(() -> renditions(b) == 2);

        redis.kill();
        await("degraded").atMost(Duration.ofSeconds(5)).until(() -> status(a, "GET", "/as/v1/ready", null) == 503);
        redis.start(); // empty: a server restarted without persistence
        await("ready again").atMost(Duration.ofSeconds(10)).until(
                () -> status(a, "GET", "/as/v1/ready", null) == 200 && status(b, "GET", "/as/v1/ready", null) == 200);
        assertThat(renditions(a)).isEqualTo(2);
        assertThat(renditions(b)).isEqualTo(2);
        assertThat(renditions(replica("late"))).as("read from the refilled server").isEqualTo(2);
    }
}
