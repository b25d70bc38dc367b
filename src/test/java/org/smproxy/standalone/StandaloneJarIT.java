package org.smproxy.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;

/**
 * The packaged standalone jar, run as operators run it: its own JVM with Tomcat 9 inside, a config file, HTTPS
 * with a self-signed certificate it makes on first start.
 */
class StandaloneJarIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Process launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("smproxy.standaloneJar")));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    /** Reads the launcher's output until its READY line; everything read is kept for the failure message. */
    private static String awaitReady(Process p, StringBuilder log) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            log.append(line).append('\n');
            if (line.startsWith("READY ")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "drain-standalone");
                drain.setDaemon(true);
                drain.start();
                return line.substring(6).trim();
            }
        }
        throw new AssertionError("standalone exited without READY:\n" + log);
    }

    @Test
    void startsOverHttpsWithASelfSignedCertificateAndAnswersBothApiFamilies() throws Exception {
        Files.copy(Path.of("conf/cluster.json"), dir.resolve("cluster.json"));
        Files.writeString(dir.resolve("proxy.properties"), String.join("\n",
                "cluster.file=cluster.json", "standalone.bind=127.0.0.1", "api.admin.token=t0k3n-0123456789abcdef", ""));
        Process p = launch("--config", "proxy.properties", "--https-port", "0");
        StringBuilder log = new StringBuilder();
        try {
            String health = awaitReady(p, log);
            assertThat(health).startsWith("https://127.0.0.1:").endsWith("/as/v1/health");
            String base = health.substring(0, health.indexOf("/as/"));
            HttpClient client = Https.trustingClient();
            assertThat(Https.send(client, "GET", health, null).statusCode()).isEqualTo(200);

            HttpResponse<String> sm2 = Https.send(client, "GET",
                    base + "/as/v1/streams/stream/ng1/publish/live/cam?region=eu-west&strict=true", null);
            assertThat(sm2.statusCode()).as(sm2.body()).isEqualTo(200);
            assertThat(JSON.readTree(sm2.body()).get(0).get("serverAddress").asText()).isEqualTo("203.0.113.21");

            HttpResponse<String> sm1 = Https.send(client, "GET",
                    base + "/streammanager/api/4.0/event/live/cam?action=broadcast&region=us-east&strict=true", null);
            assertThat(sm1.statusCode()).isEqualTo(200);
            JsonNode answer = JSON.readTree(sm1.body());
            assertThat(answer.get("serverAddress").asText()).startsWith("198.51.100.1");
            assertThat(Https.send(client, "GET", base + "/as/v1/admin/nodes", null).statusCode()).isEqualTo(401);
            assertThat(Files.exists(dir.resolve("data/smproxy-selfsigned.p12"))).isTrue();
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void sigtermDrainsTheRelayInFlightRefusesNewSessionsAndExitsZero() throws Exception {
        try (RecordingNode node = new RecordingNode()) {
            CountDownLatch inFlight = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            node.behave(seen -> {
                inFlight.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS); // answers once the test has seen the drain begin
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return RecordingNode.red5(seen);
            });
            Files.writeString(dir.resolve("cluster.json"), "{\"nodeGroups\":[{\"name\":\"ng1\"}],\"nodes\":[{\"id\":\"o1\","
                    + "\"role\":\"origin\",\"nodeGroup\":\"ng1\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":" + node.port()
                    + ",\"state\":\"INSERVICE\"}]}");
            Files.writeString(dir.resolve("proxy.properties"), String.join("\n", "cluster.file=cluster.json",
                    "standalone.bind=127.0.0.1", "proxy.shutdown.drainTimeout=15s", ""));
            Process p = launch("--config", "proxy.properties", "--https-port", "0");
            StringBuilder log = new StringBuilder();
            try {
                String health = awaitReady(p, log);
                String base = health.substring(0, health.indexOf("/as/"));
                HttpClient client = Https.trustingClient();
                String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
                CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Https.send(client, "POST", base + "/as/v1/proxy/whip/live/cam", sdp,
                                "Content-Type", "application/sdp");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                assertThat(inFlight.await(10, TimeUnit.SECONDS)).as("the POST reached the node").isTrue();
                long signalled = System.nanoTime();
                p.destroy(); // SIGTERM
                awaitStatus(client, base + "/as/v1/ready", 503);
                HttpResponse<String> late = Https.send(client, "POST", base + "/as/v1/proxy/whip/live/cam2", sdp,
                        "Content-Type", "application/sdp");
                assertThat(late.statusCode()).as(late.body()).isEqualTo(503);
                assertThat(late.headers().firstValue("Retry-After")).isPresent();
                assertThat(JSON.readTree(late.body()).get("error").asText()).contains("shutting down");
                release.countDown();
                HttpResponse<String> done = first.get(10, TimeUnit.SECONDS);
                assertThat(done.statusCode()).as("the relay in flight finishes: " + done.body()).isEqualTo(201);
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("exits within the drain time").isTrue();
                assertThat(p.exitValue()).isZero();
                assertThat(System.nanoTime() - signalled).as("and as soon as nothing is left, not at the timeout")
                        .isLessThan(TimeUnit.SECONDS.toNanos(12));
            } finally {
                release.countDown();
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Polls until the URL answers the status: the drain starts on the signal's own thread. */
    private static void awaitStatus(HttpClient client, String url, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = Https.send(client, "GET", url, null).statusCode();
            if (last == status) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError(url + " answered " + last + ", not " + status);
    }

    @Test
    void aBadSettingStopsStartUpNamingTheKey() throws Exception {
        Files.writeString(dir.resolve("bad.properties"), "cluster.heartbeat.timeout=soon\n");
        Process p = launch("--config", "bad.properties");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("'cluster.heartbeat.timeout' must be a duration");
    }
}
