package org.smproxy.red5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.smproxy.testing.Https;
import org.smproxy.testing.RedisServer;
import org.smproxy.testing.TestProxy;

/**
 * Boots a real Red5 1.3.17 (assembled by the build in {@code target/red5-home}), installs the
 * packaged plugin jar and webapps from {@code target/dist} into a copy of it, and calls the
 * Stream Manager APIs through Red5's own HTTP connector.
 *
 * <p>The run directory is {@code target/red5-it}; it is kept after the run, so
 * {@code target/red5-it/log/red5.log} and {@code target/red5-it/console.log} are there for a
 * post-mortem. Failures carry the tail of the console log in their message.
 */
class Red5PluginIT {

    private static final String PLUGIN_CLASS = "org.smproxy.red5.StreamManagerPlugin";
    private static final String ADMIN_TOKEN = "it-admin-token-0123456789abcdef";
    private static final String NODE_SECRET = "it-node-secret-0123456789abcdef";
    private static final String SESSION_SECRET = "it-session-secret-0123456789";
    private static final String CLUSTER_JSON = """
            {"nodeGroups":[{"name":"ng1","subGroups":[{"name":"us-east"},{"name":"eu-west"}]}],
             "nodes":[
              {"id":"o1","role":"origin","nodeGroup":"ng1","subGroup":"us-east","publicAddress":"203.0.113.10","httpPort":5080,"state":"INSERVICE"},
              {"id":"o2","role":"origin","nodeGroup":"ng1","subGroup":"eu-west","publicAddress":"203.0.113.20","httpPort":5080,"state":"INSERVICE"}]}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Red5 red5;
    private static int listenerPort;
    /** The plugin runs on the shared store, so the shaded Redis client is exercised inside Red5. */
    private static RedisServer redis;

    @BeforeAll
    static void startRed5() throws Exception {
        Path dist = Path.of(System.getProperty("smproxy.dist", "target/dist")).toAbsolutePath();
        Path template = Path.of(System.getProperty("smproxy.red5Home", "target/red5-home")).toAbsolutePath();
        Path runHome = template.resolveSibling("red5-it");

        red5 = Red5.prepare(template, runHome);
        red5.installDist(dist);
        Path cluster = Files.writeString(runHome.resolve("cluster.json"), CLUSTER_JSON);
        redis = RedisServer.start(runHome.resolveSibling("red5-it-redis"));
        // The proxy's own Netty listener beside Red5's Tomcat: same paths, its own port and keystore.
        org.smproxy.testing.TestKeystore keys = org.smproxy.testing.TestKeystore.create(
                Files.createDirectories(runHome.resolveSibling("red5-it-tls")), "listener");
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            listenerPort = probe.getLocalPort();
        }
        red5.setProperties(runHome.resolve("webapps/streammanager/WEB-INF/red5-web.properties"), Map.ofEntries(
                Map.entry("cluster.file", cluster.toString()),
                Map.entry("api.admin.token", ADMIN_TOKEN),
                Map.entry("api.node.secret", NODE_SECRET),
                Map.entry("api.node.allowedNetworks", "unicast,127.0.0.0/8"), // the simulated nodes listen on loopback
                Map.entry("proxy.enabled", "true"),
                Map.entry("cluster.store", "redis"),
                Map.entry("cluster.store.url", redis.url()),
                Map.entry("cluster.replica.id", "red5-1"),
                Map.entry("proxy.session.secret", SESSION_SECRET),
                Map.entry("proxy.listener.port", String.valueOf(listenerPort)),
                Map.entry("proxy.listener.keystore.file", keys.file().toString()),
                Map.entry("proxy.listener.keystore.password", keys.password())));
        red5.start();
        // The HTTP port opens before Red5 has refreshed the webapps' Spring contexts (that happens
        // on a separate "Loader:" thread afterwards), so wait for both webapps to answer, not just the port.
        red5.awaitReady(
                "/as/v1/streams/stream/ng1/publish/live/stream1?subgroup=eu-west&strict=true",
                "/streammanager/api/4.0/event/live/stream1?action=broadcast&region=us-east&strict=true");
    }

    @AfterAll
    static void stopRed5() throws InterruptedException {
        if (red5 != null) {
            red5.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void pluginIsLoadedByRed5PluginLauncher() {
        red5.check(() -> assertThat(red5.log())
                .contains("Loaded plugin: " + PLUGIN_CLASS)
                .doesNotContain("Error loading plugin")
                .contains("Context initialized: /streammanager")
                .contains("Context initialized: /as"));
    }

    @Test
    void aHeartbeatToRed5ReachesAStandaloneReplicaOnTheSameStore() throws Exception {
        Path dir = Files.createTempDirectory("red5-it-replica");
        try (TestProxy standalone = TestProxy.start(dir, CLUSTER_JSON, Map.of("cluster.store", "redis",
                "cluster.store.url", redis.url(), "cluster.replica.id", "standalone-1", "api.admin.token", ADMIN_TOKEN,
                "api.node.secret", NODE_SECRET, "proxy.session.secret", SESSION_SECRET))) {
            red5.check(() -> {
                Reply ready = red5.get("/as/v1/ready");
                assertThat(ready.status()).as(ready.toString()).isEqualTo(200);
                assertThat(ready.json().path("store").path("replica").asText()).isEqualTo("red5-1");
                String heartbeat = "{\"id\":\"tier-edge\",\"nodeGroup\":\"ng1\",\"role\":\"edge\","
                        + "\"publicAddress\":\"198.51.100.77\",\"httpPort\":5080,\"state\":\"INSERVICE\"}";
                Reply hb = red5.send("POST", "/as/v1/nodes/heartbeat", "application/json", heartbeat,
                        "Authorization", "Bearer " + NODE_SECRET);
                assertThat(hb.status()).as(hb.toString()).isEqualTo(200);
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> Https.send(standalone.client, "GET",
                    standalone.base + "/as/v1/admin/nodes/tier-edge", null, "Authorization", "Bearer " + ADMIN_TOKEN)
                    .statusCode() == 200);
        }
    }

    @Test
    void red5LogHasNoErrors() {
        red5.check(() -> assertThat(red5.log().lines().filter(l -> l.contains(" ERROR ")))
                .as("ERROR lines in log/red5.log").isEmpty());
    }

    @Test
    void autoscaleApiSelectsOriginInRequestedSubGroup() {
        red5.check(() -> {
            Reply r = red5.get("/as/v1/streams/stream/ng1/publish/live/stream1?subgroup=eu-west&strict=true");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonNode body = r.json();
            assertThat(body.isArray()).as(r.toString()).isTrue();
            assertThat(body.path(0).path("serverAddress").asText()).as(r.toString()).isEqualTo("203.0.113.20");
        });
    }

    @Test
    void streamManager40EventApiSelectsOriginInRegion() {
        red5.check(() -> {
            Reply r = red5.get("/streammanager/api/4.0/event/live/stream1?action=broadcast&region=us-east&strict=true");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonNode body = r.json();
            assertThat(body.path("serverAddress").asText()).as(r.toString()).isEqualTo("203.0.113.10");
            assertThat(body.path("name").asText()).as(r.toString()).isEqualTo("stream1");
            assertThat(body.path("scope").asText()).as(r.toString()).isEqualTo("/live");
        });
    }

    @Test
    void unknownNodeGroupIsJson404() {
        red5.check(() -> {
            Reply r = red5.get("/as/v1/streams/stream/nope/publish/live/x");
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.json().has("error")).as(r.toString()).isTrue();
        });
    }

    @Test
    void theConsoleAndTheApiDocumentAreServedByRed5() {
        red5.check(() -> {
            Reply page = red5.get("/as/v1/admin/ui/");
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            assertThat(page.body()).contains("console.js");
            assertThat(red5.get("/as/v1/admin/ui/console.js").status()).isEqualTo(200);
            Reply doc = red5.get("/as/v1/openapi.json");
            assertThat(doc.status()).isEqualTo(200);
            assertThat(doc.body()).contains("\"openapi\"");
        });
    }

    @Test
    void adminApiRequiresToken() {
        red5.check(() -> {
            Reply r = red5.get("/as/v1/admin/nodes");
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
        });
    }

    @Test
    void theProxysOwnListenerServesTheSamePathsAsRed5sTomcat() throws Exception {
        HttpClient tls = org.smproxy.testing.Https.trustingClient();
        String own = "https://127.0.0.1:" + listenerPort;
        String publish = "/as/v1/streams/stream/ng1/publish/live/stream1?subgroup=eu-west&strict=true";
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Https.send(tls, "GET", own + "/as/v1/health",
                null).statusCode() == 200);
        HttpResponse<String> viaNetty = Https.send(tls, "GET", own + publish, null);
        assertThat(viaNetty.statusCode()).as(viaNetty.body()).isEqualTo(200);
        Reply viaTomcat = red5.send("GET", publish, null, null);
        assertThat(JSON.readTree(viaNetty.body())).isEqualTo(JSON.readTree(viaTomcat.body()));
        HttpResponse<String> sm1 = Https.send(tls, "GET", own
                + "/streammanager/api/4.0/event/live/stream1?action=broadcast&region=us-east&strict=true", null);
        assertThat(sm1.statusCode()).as(sm1.body()).isEqualTo(200);
        HttpResponse<String> unknown = Https.send(tls, "GET", own + "/as/v1/streams/stream/nope/publish/live/x", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("error").asText()).contains("'nope' not found");
        HttpResponse<String> preflight = Https.send(tls, "OPTIONS", own + "/as/v1/proxy/whip/live/red5cam", null,
                "Origin", "https://page.example", "Access-Control-Request-Method", "POST");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(Https.send(tls, "GET", own + "/as/v1/admin/nodes", null).statusCode()).isEqualTo(401);
    }

    @Test
    void whipIsRelayedToAHeartbeatingNodeAndItsSessionUrlRoutesBack() throws Exception {
        try (org.smproxy.testing.RecordingNode node = new org.smproxy.testing.RecordingNode()) {
            try {
                String heartbeat = "{\"id\":\"local-origin\",\"nodeGroup\":\"ng1\",\"role\":\"origin\","
                        + "\"subGroup\":\"us-east\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":" + node.port()
                        + ",\"state\":\"INSERVICE\",\"metrics\":{\"connections.client\":0}}";
                red5.check(() -> {
                    Reply hb = red5.send("POST", "/as/v1/nodes/heartbeat", "application/json", heartbeat,
                            "Authorization", "Bearer " + NODE_SECRET);
                    assertThat(hb.status()).as(hb.toString()).isEqualTo(200);
                    String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
                    Reply post = red5.send("POST", "/as/v1/proxy/whip/live/red5cam?host=127.0.0.1:" + node.port(),
                            "application/sdp", sdp);
                    assertThat(post.status()).as(post.toString()).isEqualTo(201);
                    assertThat(node.last().path()).isEqualTo("/live/whip/endpoint/red5cam");
                    Reply preflight = red5.send("OPTIONS", "/as/v1/proxy/whip/live/red5cam", null, null,
                            "Origin", "https://page.example", "Access-Control-Request-Method", "POST");
                    assertThat(preflight.status()).as(preflight.toString()).isEqualTo(204);
                });
            } finally {
                forget("local-origin"); // its node is gone: no later test may be routed to it
            }
        }
    }

    /** Drops a node a test heartbeated, as an operator would, so the next test sees only the cluster file's. */
    private static void forget(String nodeId) throws Exception {
        Reply r = red5.send("DELETE", "/as/v1/admin/nodes/" + nodeId, null, null, "Authorization", "Bearer " + ADMIN_TOKEN);
        assertThat(r.status()).as(r.toString()).isIn(200, 204);
    }

    @Test
    void webSocketSignallingIsRelayedInBothUrlShapesInsideRed5() throws Exception {
        try (org.smproxy.testing.EchoWsNode node = new org.smproxy.testing.EchoWsNode()) {
            try {
                String heartbeat = "{\"id\":\"local-edge\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\","
                        + "\"subGroup\":\"eu-west\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":" + node.port()
                        + ",\"state\":\"INSERVICE\",\"streams\":[{\"streamGuid\":\"live/wscam\",\"publishing\":true}]}";
                Reply hb = red5.send("POST", "/as/v1/nodes/heartbeat", "application/json", heartbeat,
                        "Authorization", "Bearer " + NODE_SECRET);
                assertThat(hb.status()).as(hb.toString()).isEqualTo(200);
                for (String path : List.of("/streammanager/?id=sm1&host=127.0.0.1:" + node.port() + "&app=live",
                        "/as/v1/proxy/ws/subscribe/live/wscam?id=sm2&nodeGroup=ng1")) {
                    java.util.concurrent.CompletableFuture<String> echo = new java.util.concurrent.CompletableFuture<>();
                    java.net.http.WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(
                            URI.create("ws://127.0.0.1:" + red5.httpPort + path), new java.net.http.WebSocket.Listener() {
                                @Override
                                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data,
                                                                                      boolean last) {
                                    echo.complete(data.toString());
                                    return null;
                                }
                            }).get(10, TimeUnit.SECONDS);
                    ws.sendText("{\"isAvailable\":\"wscam\"}", true).get(5, TimeUnit.SECONDS);
                    assertThat(echo.get(10, TimeUnit.SECONDS)).as(path).isEqualTo("{\"isAvailable\":\"wscam\"}");
                    ws.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
                }
                assertThat(node.handshakes()).extracting(org.smproxy.testing.EchoWsNode.Handshake::path).containsOnly("/live/");
            } finally {
                forget("local-edge"); // its node is gone: no later test may be routed to it
            }
        }
    }

    /** One HTTP answer; toString() is used as the assertion description. */
    record Reply(String path, int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return "GET " + path + " -> " + status + " " + body;
        }
    }

    /** A Red5 child process running from its own copy of the Red5 home. */
    static final class Red5 {
        private static final int LOG_TAIL_LINES = 80;

        private final Path home;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Process process;
        private Thread killer;
        private int httpPort;

        private Red5(Path home) {
            this.home = home;
        }

        /** Copies the assembled Red5 home (which must come from the build) to a fresh run directory. */
        static Red5 prepare(Path template, Path runHome) throws IOException {
            assertThat(template.resolve("red5-server.jar"))
                    .as("Red5 home assembled by the build (run through pre-integration-test)").isRegularFile();
            deleteTree(runHome);
            copyTree(template, runHome);
            return new Red5(runHome);
        }

        /** Copies dist/plugins/*.jar and dist/webapps/* exactly as an operator installs them. */
        void installDist(Path dist) throws IOException {
            List<Path> jars = list(dist.resolve("plugins"), "*.jar");
            assertThat(jars).as("plugin jars in %s", dist.resolve("plugins")).isNotEmpty();
            for (Path jar : jars) {
                Files.copy(jar, home.resolve("plugins").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            List<Path> webapps = list(dist.resolve("webapps"), "*");
            assertThat(webapps).as("webapps in %s", dist.resolve("webapps")).isNotEmpty();
            for (Path webapp : webapps) {
                copyTree(webapp, home.resolve("webapps").resolve(webapp.getFileName().toString()));
            }
        }

        /** Sets (or adds) keys in a .properties file, keeping its other lines and comments. */
        void setProperties(Path file, Map<String, String> values) throws IOException {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : new ArrayList<>();
            Map<String, String> pending = new LinkedHashMap<>(values);
            List<String> out = new ArrayList<>();
            for (String line : lines) {
                String key = keyOf(line);
                if (key != null && pending.containsKey(key)) {
                    out.add(key + "=" + escape(pending.remove(key)));
                } else {
                    out.add(line);
                }
            }
            pending.forEach((k, v) -> out.add(k + "=" + escape(v)));
            Files.write(file, out);
        }

        /** Rewrites conf/red5.properties (every *.host to loopback, every *.port to a free port) and starts Red5. */
        void start() throws IOException {
            Path props = home.resolve("conf/red5.properties");
            List<String> keys = Files.readAllLines(props).stream().map(Red5::keyOf)
                    .filter(k -> k != null && (k.endsWith(".host") || k.endsWith(".port"))).collect(Collectors.toList());
            List<Integer> ports = freePorts((int) keys.stream().filter(k -> k.endsWith(".port")).count());
            Map<String, String> values = new LinkedHashMap<>();
            for (String key : keys) {
                values.put(key, key.endsWith(".host") ? "127.0.0.1" : String.valueOf(ports.remove(0)));
            }
            setProperties(props, values);
            properties.putAll(values);
            httpPort = Integer.parseInt(values.get("http.port"));

            Path conf = home.resolve("conf");
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    // Tomcat 8.5 clears references via reflection on shutdown/undeploy
                    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "--add-opens", "java.base/java.io=ALL-UNNAMED",
                    "--add-opens", "java.base/java.util=ALL-UNNAMED",
                    "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens", "java.rmi/sun.rmi.transport=ALL-UNNAMED",
                    "-Dred5.root=" + home,
                    "-Dred5.config_root=" + conf,
                    "-Dcatalina.home=" + home,
                    "-Dcatalina.base=" + home,
                    "-Dcatalina.useNaming=true",
                    "-Djava.util.logging.config.file=" + conf.resolve("logging.properties"),
                    "-cp", home.resolve("red5-service.jar") + java.io.File.pathSeparator + conf,
                    "org.red5.server.Bootstrap"));
            process = new ProcessBuilder(cmd)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(home.resolve("console.log").toFile())
                    .start();
            killer = new Thread(process::destroyForcibly, "red5-it-killer");
            Runtime.getRuntime().addShutdownHook(killer);
        }

        /** Waits for Red5's HTTP port, then for each path to answer 200. Fails early if Red5 or a webapp dies. */
        void awaitReady(String... paths) {
            try {
                await("Red5 HTTP port " + httpPort).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> alive() && portOpen(httpPort));
                for (String path : paths) {
                    await("GET " + path + " -> 200").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .until(() -> alive() && noFailedWebapp() && get(path).status() == 200);
                }
            } catch (ConditionTimeoutException | IllegalStateException e) {
                throw new AssertionError(e.getMessage() + describe(), e);
            }
        }

        /** Runs assertions; a failure gets the Red5 log tail appended to its message. */
        void check(Executable assertions) {
            try {
                assertions.execute();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + describe(), e);
            } catch (Throwable t) {
                throw new AssertionError(t + describe(), t);
            }
        }

        Reply get(String path) {
            return send("GET", path, null, null);
        }

        Reply send(String method, String path, String contentType, String body, String... headers) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).method(method, body == null
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            if (headers.length > 0) {
                b.headers(headers);
            }
            HttpRequest req = b.build();
            try {
                HttpResponse<String> rsp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                return new Reply(path, rsp.statusCode(), rsp.body());
            } catch (IOException e) {
                return new Reply(path, -1, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Red5's own log file (log/red5.log). */
        String log() {
            return read(home.resolve("log/red5.log"));
        }

        /** SIGTERM, then SIGKILL if Red5 has not exited within 10 s. */
        void stop() {
            if (process == null) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }

        private boolean alive() {
            if (!process.isAlive()) {
                throw new IllegalStateException("Red5 exited with code " + process.exitValue());
            }
            return true;
        }

        /** Tomcat gives up on a webapp whose listener throws; no point waiting for it then. */
        private boolean noFailedWebapp() {
            if (read(home.resolve("console.log")).contains("startup failed due to previous errors")) {
                throw new IllegalStateException("a webapp failed to start");
            }
            return true;
        }

        private String describe() {
            List<String> lines = read(home.resolve("console.log")).lines().collect(Collectors.toList());
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
            return "\n--- Red5 " + home + " " + properties + " ---\n--- last " + LOG_TAIL_LINES
                    + " lines of console.log (full logs: console.log, log/red5.log) ---\n" + tail + "\n--- end ---";
        }

        private static boolean portOpen(int port) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private static List<Integer> freePorts(int n) throws IOException {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                }
                return sockets.stream().map(ServerSocket::getLocalPort).collect(Collectors.toCollection(ArrayList::new));
            } finally {
                for (ServerSocket s : sockets) {
                    s.close();
                }
            }
        }

        private static String keyOf(String line) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
                return null;
            }
            int i = 0;
            while (i < t.length() && "=: \t".indexOf(t.charAt(i)) < 0) {
                i++;
            }
            return t.substring(0, i);
        }

        private static String escape(String value) {
            return value.replace("\\", "\\\\");
        }

        private static String read(Path file) {
            try {
                return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
            } catch (IOException e) {
                return "(cannot read " + file + ": " + e + ")";
            }
        }

        private static List<Path> list(Path dir, String glob) throws IOException {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
                List<Path> out = new ArrayList<>();
                ds.forEach(out::add);
                out.sort(Comparator.naturalOrder());
                return out;
            }
        }

        private static void copyTree(Path from, Path to) throws IOException {
            try (Stream<Path> s = Files.walk(from)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
