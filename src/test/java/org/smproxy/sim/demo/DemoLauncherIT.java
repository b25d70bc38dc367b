package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;

/**
 * The packaged demo jar, started as the README's first command starts it: its own JVM, the proxy over HTTPS on a
 * free port, four simulated nodes (origin, two edges, transcoder) registered through the heartbeat API, the page served on the proxy's origin.
 * No media moves here (the sim's own tests cover WebRTC); this checks start-up, the READY contract and shutdown.
 */
@Timeout(180)
class DemoLauncherIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ADMIN_TOKEN = Pattern.compile("Authorization: Bearer ([A-Za-z0-9_-]+)");
    private static final Pattern LOGIN = Pattern.compile("(?m)^login (\\S+) / (\\S+) ");

    @TempDir
    Path dir;

    /** The demo jar sits beside the standalone jar, whose path the failsafe configuration passes. */
    private static Path demoJar() {
        String explicit = System.getProperty("smproxy.demoJar");
        Path jar = explicit != null ? Path.of(explicit)
                : Path.of(System.getProperty("smproxy.standaloneJar").replaceFirst("-standalone\\.jar$", "-demo.jar"));
        assertThat(jar).as("the demo jar, built by mvn package").exists();
        return jar;
    }

    private Process launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", demoJar().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    /** Collects the process's output; completes {@code ready} with the READY line's URL. */
    private static Thread reader(Process p, StringBuffer log, CompletableFuture<String> ready) {
        Thread t = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    log.append(line).append('\n');
                    if (line.startsWith("READY ")) {
                        ready.complete(line.substring(6).trim());
                    }
                }
            } catch (Exception e) {
                // the process ended; the log says why
            }
            ready.completeExceptionally(new AssertionError("the demo exited without READY:\n" + log));
        }, "demo-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void startsTheProxyAndFourNodesServesThePageAndStopsCleanly() throws Exception {
        Process p = launch("--demo", "--https-port", "0");
        StringBuffer log = new StringBuffer();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread output = reader(p, log, ready);
        boolean exited;
        List<ProcessHandle> children = new ArrayList<>();
        try {
            String page = ready.get(120, TimeUnit.SECONDS);
            Matcher url = Pattern.compile("https://localhost:(\\d+)/").matcher(page);
            assertThat(url.matches()).as("READY carries the page URL: " + page).isTrue();
            assertThat(Integer.parseInt(url.group(1))).as("the real port, not 0").isPositive();
            String base = page.substring(0, page.length() - 1);
            HttpClient client = Https.trustingClient();

            HttpResponse<String> index = Https.send(client, "GET", page, null);
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(index.body()).contains("Publish camera (WHIP)", "Play (WHEP)", "demo.js", "id=\"signalling\"");
            for (String asset : List.of("/demo/demo.js", "/demo/demo.css", "/demo/smproxy-client.js",
                    "/demo/smproxy-ws-client.js", "/demo/vendor/hls.js/hls.min.js", "/demo/")) {
                assertThat(Https.send(client, "GET", base + asset, null).statusCode()).as(asset).isEqualTo(200);
            }
            assertThat(Https.send(client, "GET", base + "/demo/org/smproxy/sim/demo/DemoLauncher.class", null).statusCode())
                    .as("only the web folder is served").isEqualTo(404);

            // proxy.enabled=true: the SM 1.x socket endpoint answers (here 400, no host=), where it would be 404 if off.
            assertThat(upgradeStatus(client, base.replaceFirst("^https", "wss") + "/streammanager/?id=probe&app=live"))
                    .isEqualTo(400);

            Matcher token = ADMIN_TOKEN.matcher(log);
            assertThat(token.find()).as("the admin token is printed:\n" + log).isTrue();
            HttpResponse<String> admin = Https.send(client, "GET", base + "/as/v1/admin/nodes", null,
                    "Authorization", "Bearer " + token.group(1));
            assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
            assertThat(statesById(JSON.readTree(admin.body()))).isEqualTo(Map.of(
                    "origin-1", "origin INSERVICE", "edge-1", "edge INSERVICE", "edge-2", "edge INSERVICE",
                    "transcoder-1", "transcoder INSERVICE"));
            // Red5's SM 2.0 login with the user and password the banner prints, as the testbed pages do it
            Matcher login = LOGIN.matcher(log);
            assertThat(login.find()).as("the login is printed:\n" + log).isTrue();
            HttpResponse<String> jwt = Https.send(client, "PUT", base + "/as/v1/auth/login", null, "Authorization",
                    "Basic " + java.util.Base64.getEncoder().encodeToString((login.group(1) + ":" + login.group(2))
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(jwt.statusCode()).as(jwt.body()).isEqualTo(200);
            assertThat(Https.send(client, "GET", base + "/as/v1/admin/nodes", null, "Authorization",
                    "Bearer " + JSON.readTree(jwt.body()).get("token").asText()).statusCode()).isEqualTo(200);

            HttpResponse<String> nodes = Https.send(client, "GET", base + DemoWeb.NODES_PATH, null);
            assertThat(nodes.statusCode()).isEqualTo(200);
            JsonNode view = JSON.readTree(nodes.body());
            assertThat(view.path("nodeGroup").asText()).isEqualTo("ng1");
            assertThat(statesById(view.path("nodes"))).hasSize(4);
            assertThat(nodes.body()).as("no secret in the page's JSON").doesNotContain(token.group(1));
            assertThat(Files.exists(dir.resolve("data/smproxy-selfsigned.p12"))).isTrue();

            // The page's HLS player: the nodes' ffmpeg test pattern, started on demand, played through the proxy.
            HttpResponse<String> hls = Https.send(client, "POST", base + DemoWeb.HLS_PATH, "");
            assertThat(hls.statusCode()).as(hls.body()).isEqualTo(200);
            String playlist = base + JSON.readTree(hls.body()).path("playlist").asText();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Https.send(client, "GET", playlist, null).statusCode() == 200);
            assertThat(Https.send(client, "GET", playlist, null).body()).contains("/as/v1/proxy/hls/n/");
            p.toHandle().descendants().forEach(children::add);
            assertThat(children).as("an ffmpeg per node").hasSizeGreaterThanOrEqualTo(3);
        } finally {
            // SIGTERM, as a service manager sends. Through the handle: Process.destroy() also closes our end of the
            // pipe, and the shutdown lines checked below would be lost.
            p.toHandle().destroy();
            exited = p.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
            }
            output.join(5000);
        }
        assertThat(exited).as("the demo stops on SIGTERM:\n" + log).isTrue();
        assertThat(log).contains("demo stopping: simulated nodes, then the proxy", "proxy core stopped");
        for (ProcessHandle child : children) {
            child.onExit().get(10, TimeUnit.SECONDS); // ffmpeg and its watchdog go with the demo
        }
    }

    @Test
    void refusesToStartWithoutDemoFlag() throws Exception {
        Process p = launch("--https-port", "0");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("pass --demo", "usage:");
    }

    /** The HTTP status of a refused WebSocket upgrade (0 if it was accepted). */
    private static int upgradeStatus(HttpClient client, String url) {
        try {
            client.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() { })
                    .join().abort();
            return 0;
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
        }
    }

    private static Map<String, String> statesById(JsonNode nodes) {
        Map<String, String> out = new TreeMap<>();
        nodes.forEach(n -> out.put(n.path("id").asText(), n.path("role").asText() + " " + n.path("state").asText()));
        return out;
    }
}
