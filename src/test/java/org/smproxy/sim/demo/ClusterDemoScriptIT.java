package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    /** Four JVMs, Redis and HAProxy on a small machine that may be building something else. */
    private static final Duration START = Duration.ofMinutes(5);
    private static final int REPLICAS = 3;

    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private Process script;
    private List<ProcessHandle> started = List.of();

    @AfterEach
    void killLeftovers() {
        if (script != null && script.isAlive()) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
        started.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void startsATierBehindHaproxyWithTheNodesHeartbeatingThroughItAndStopsEverythingOnSigterm() throws Exception {
        int lbPort = freePort();
        int pagePort = freePort();
        int redisPort = freePort();
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/cluster-demo.sh", "--replicas", String.valueOf(REPLICAS),
                "--https-port", String.valueOf(lbPort), "--page-port", String.valueOf(pagePort),
                "--redis-port", String.valueOf(redisPort), "--bind", "127.0.0.1").redirectErrorStream(true);
        pb.environment().put("SMPROXY_STANDALONE_JAR", System.getProperty("smproxy.standaloneJar"));
        pb.environment().put("SMPROXY_DEMO_JAR", System.getProperty("smproxy.demoJar"));
        script = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(output::add);
            } catch (IOException e) {
                output.add("(output unreadable: " + e + ")");
            }
        }, "cluster-demo-output");
        reader.setDaemon(true);
        reader.start();

        await().atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (!script.isAlive()) {
                throw new AssertionError("the script exited (" + script.exitValue() + ") before READY:\n" + log());
            }
            return line("READY ").isPresent();
        });
        started = script.descendants().toList();
        assertThat(commands(started)).as(log()).contains("redis-server", "haproxy", "java");
        assertThat(started.stream().filter(p -> p.info().command().orElse("").endsWith("/java")).count())
                .as("the replicas and the nodes' JVM").isEqualTo(REPLICAS + 1);

        String page = line("READY ").orElseThrow().substring(6).trim();
        assertThat(page).isEqualTo("https://127.0.0.1:" + pagePort + "/");
        String lb = value("  load balancer  ").split(" ")[0];
        assertThat(lb).isEqualTo("https://127.0.0.1:" + lbPort);
        List<String> replicas = new ArrayList<>();
        for (int i = 1; i <= REPLICAS; i++) {
            replicas.add(value("  replica-" + i).trim().split(" ")[0]);
        }
        Matcher token = Pattern.compile("Bearer ([A-Za-z0-9_-]+)'").matcher(value("  admin API "));
        assertThat(token.find()).as(log()).isTrue();
        String auth = "Authorization: Bearer " + token.group(1);

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
        for (String replica : replicas) {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> nodes = Https.send(Https.trustingClient(), "GET", replica + "/as/v1/admin/nodes",
                        null, auth.split(": ", 2));
                assertThat(nodes.statusCode()).as(replica).isEqualTo(200);
                Map<String, JsonNode> byId = new HashMap<>();
                JSON.readTree(nodes.body()).forEach(n -> byId.put(n.path("id").asText(), n));
                assertThat(byId).as(replica).containsKeys("origin-1", "edge-1", "edge-2");
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
        assertThat(JSON.readTree(config.body()).path("proxyPort").asInt()).isEqualTo(lbPort);
        HttpResponse<String> table = Https.send(Https.trustingClient(), "GET", page + "demo/nodes.json", null);
        assertThat(table.statusCode()).as(table.body()).isEqualTo(200);
        Set<String> ids = new HashSet<>();
        JSON.readTree(table.body()).path("nodes").forEach(n -> ids.add(n.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("origin-1", "edge-1", "edge-2");

        Path work = Path.of(value("  logs ").trim().split(" ")[0]).getParent();
        assertThat(work).exists();

        script.destroy(); // SIGTERM
        assertThat(script.waitFor(60, TimeUnit.SECONDS)).as(log()).isTrue();
        assertThat(script.exitValue()).as(log()).isEqualTo(143);
        for (ProcessHandle child : started) {
            assertThat(child.isAlive()).as("still running after the script ended: " + child.info()).isFalse();
        }
        assertThat(work).as("the script's temp folder").doesNotExist();
        assertThat(log()).contains("stopped");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Optional<String> line(String prefix) {
        synchronized (output) {
            return output.stream().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    /** What follows a label on the script's summary. */
    private String value(String label) {
        return line(label).orElseThrow(() -> new AssertionError("no line '" + label + "' in:\n" + log()))
                .substring(label.length()).trim();
    }

    private String log() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private static List<String> commands(List<ProcessHandle> processes) {
        List<String> names = new ArrayList<>();
        for (ProcessHandle p : processes) {
            p.info().command().ifPresent(c -> names.add(Path.of(c).getFileName().toString()));
        }
        return names;
    }
}
