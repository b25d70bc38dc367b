package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smproxy.testing.Https;

/**
 * scripts/cluster-demo.sh as a user runs it: a real redis-server, three standalone replicas (the packaged jar),
 * HAProxy in front and the simulated nodes heartbeating through it; then SIGTERM, after which nothing it started
 * may be left running.
 */
class ClusterDemoScriptIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPLICAS = 3;

    private ClusterDemoScript script;

    @AfterEach
    void stop() {
        if (script != null) {
            script.close();
        }
    }

    @Test
    void startsATierBehindHaproxyWithTheNodesHeartbeatingThroughItAndStopsEverythingOnSigterm() throws Exception {
        script = ClusterDemoScript.start(REPLICAS);
        List<ProcessHandle> started = script.started();
        List<String> commands = started.stream()
                .map(p -> p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?")).toList();
        assertThat(commands).as(script.log()).contains("haproxy")
                // Debian's redis-server is a link to redis-check-rdb, which the kernel names.
                .anyMatch(c -> c.equals("redis-server") || c.equals("redis-check-rdb"));
        assertThat(commands.stream().filter("java"::equals).count()).as("the replicas and the nodes' JVM: " + commands)
                .isEqualTo(REPLICAS + 1);

        String page = script.page();
        assertThat(page).isEqualTo("https://127.0.0.1:" + script.pagePort + "/");
        String lb = script.loadBalancer();
        assertThat(lb).isEqualTo("https://127.0.0.1:" + script.lbPort);
        String[] auth = script.adminAuth();

        // The tier's health through the balancer, on the shared store; a fresh connection each time, so the
        // balancer's round robin shows every replica answering.
        Set<String> answeredBy = new TreeSet<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            HttpResponse<String> health = Https.send(Https.trustingClient(), "GET", lb + "/as/v1/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(health.body());
            assertThat(body.path("status").asText()).isEqualTo("UP");
            assertThat(body.path("store").path("kind").asText()).isEqualTo("redis");
            answeredBy.add(body.path("store").path("replica").asText());
            return answeredBy.size() == REPLICAS;
        });
        assertThat(answeredBy).containsExactly("replica-1", "replica-2", "replica-3");

        // Each node heartbeats through the balancer to one replica at a time; every replica knows all of them, fresh.
        for (int i = 1; i <= REPLICAS; i++) {
            String replica = script.replica(i);
            assertThat(replica).startsWith("https://127.0.0.1:").isNotEqualTo(lb);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> nodes = Https.send(Https.trustingClient(), "GET", replica + "/as/v1/admin/nodes",
                        null, auth);
                assertThat(nodes.statusCode()).as(replica).isEqualTo(200);
                Map<String, JsonNode> byId = new HashMap<>();
                JSON.readTree(nodes.body()).forEach(n -> byId.put(n.path("id").asText(), n));
                assertThat(byId).as(replica).containsOnlyKeys("origin-1", "edge-1", "edge-2", "transcoder-1");
                for (JsonNode n : byId.values()) {
                    assertThat(n.path("state").asText()).as(replica + " " + n).isEqualTo("INSERVICE");
                    assertThat(n.path("heartbeatAgeMs").asLong()).as(replica + " " + n).isLessThan(5000);
                }
            });
        }

        // Selection through the balancer: a publish goes to the origin.
        HttpResponse<String> publish = Https.send(Https.trustingClient(), "GET",
                lb + "/as/v1/streams/stream/ng1/publish/live/cam", null);
        assertThat(publish.statusCode()).as(publish.body()).isEqualTo(200);
        assertThat(JSON.readTree(publish.body()).get(0).path("nodeRole").asText()).isEqualTo("origin");

        // The page, its pointer to the balancer, and its cluster table read through the balancer's admin API.
        HttpResponse<String> html = Https.send(Https.trustingClient(), "GET", page, null);
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.body()).contains("streammanager-proxy demo", "/demo/demo.js");
        HttpResponse<String> config = Https.send(Https.trustingClient(), "GET", page + "demo/config.json", null);
        assertThat(JSON.readTree(config.body()).path("proxyPort").asInt()).isEqualTo(script.lbPort);
        HttpResponse<String> table = Https.send(Https.trustingClient(), "GET", page + "demo/nodes.json", null);
        assertThat(table.statusCode()).as(table.body()).isEqualTo(200);
        Set<String> ids = new HashSet<>();
        JSON.readTree(table.body()).path("nodes").forEach(n -> ids.add(n.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("origin-1", "edge-1", "edge-2", "transcoder-1");

        Path work = script.workDir();
        assertThat(work).exists();
        assertThat(script.terminate()).as(script.log()).isEqualTo(143);
        for (ProcessHandle child : started) {
            assertThat(child.isAlive()).as("still running after the script ended: " + child.info()).isFalse();
        }
        assertThat(work).as("the script's temp folder").doesNotExist();
        assertThat(script.log()).endsWith("stopped");
    }
}
