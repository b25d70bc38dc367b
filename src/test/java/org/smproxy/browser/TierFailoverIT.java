package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimNodeConfig;
import org.smproxy.testing.HaProxy;
import org.smproxy.testing.Https;
import org.smproxy.testing.RedisServer;
import org.smproxy.testing.TestKeystore;

/**
 * The tier end to end, as an operator runs it: a real redis-server, three replicas (the packaged standalone jar,
 * each its own JVM) sharing the cluster on it, and HAProxy in front passing TLS through, sticky by source address,
 * health-checking {@code /as/v1/ready}. The simulated nodes send their heartbeats through the load balancer, and
 * Chromium publishes and plays through it with WHIP/WHEP, WebSocket signalling and HLS. Then the replica that served
 * all of it is killed with SIGKILL, and what a client needs must go on through the survivors. Needs a non-loopback
 * interface (run under {@code /work/shared/tools/netns-run}).
 */
@Timeout(180)
class TierFailoverIT {

    static final String NODE_SECRET = "tier-nodes-0123456789abcdef";
    static final String ADMIN = "tier-admin-0123456789abcdef";
    static final String GUID = "live/tier";
    static final String WS_GUID = "live/tierws";
    static final String HLS_GUID = "live/tierhls";
    static final Duration MEDIA = Duration.ofSeconds(20);
    static final Duration CLUSTER = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RedisServer redis;
    static final List<Replica> replicas = new ArrayList<>();
    static HaProxy lb;
    static HttpClient http;
    static SimCluster cluster;
    static SimNode origin;
    static List<SimNode> edges;
    static PageServer pages;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HostAddresses.firstNonLoopbackIpv4())
                .as("WebRTC gathers no loopback candidates; run under /work/shared/tools/netns-run").isPresent();
        Path deps = Path.of(System.getProperty("basedir", "."), "target", "web-deps");
        assertThat(deps.resolve("node_modules/hls.js/dist/hls.min.js"))
                .as("hls.js is fetched from npm before the tests: run scripts/fetch-web-deps.sh").isRegularFile();
        http = Https.trustingClient();
        redis = RedisServer.start(dir.resolve("redis"));
        TestKeystore keystore = TestKeystore.create(dir, "tier");
        Files.writeString(dir.resolve("cluster.json"), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}");
        for (int i = 1; i <= 3; i++) {
            replicas.add(Replica.launch(dir, "replica-" + i, keystore));
        }
        // Chromium starts while the replicas' JVMs do.
        CompletableFuture<Browser> browserStart = CompletableFuture.supplyAsync(() -> Browser.start(dir.resolve("browser")));
        pages = new PageServer(dir, deps);
        for (Replica r : replicas) {
            r.awaitReady();
        }
        lb = HaProxy.start(dir.resolve("haproxy"), replicas.stream().map(r -> r.port).toList());
        SimNodeConfig template = SimNodeConfig.defaults().nodeGroup("ng1").proxy(URI.create(lb.base()), NODE_SECRET)
                .heartbeatIntervalMs(300);
        cluster = new SimCluster(template);
        origin = cluster.startOrigin("origin-1");
        edges = List.of(cluster.startEdge("edge-1", origin), cluster.startEdge("edge-2", origin));
        // A test pattern segmented by ffmpeg on each node; it takes a few seconds to have a live window.
        origin.startHls(HLS_GUID);
        edges.forEach(e -> e.startHls(HLS_GUID));
        browser = browserStart.get(60, TimeUnit.SECONDS);
        // Heartbeats reached one replica through the load balancer; every replica must know all three nodes.
        await().atMost(CLUSTER).until(() -> replicas.stream().allMatch(r -> r.knowsNodes(3)));
        // All three ready in the balancer's eyes, so the source hash cannot move a client mid-test.
        await().atMost(CLUSTER).until(() -> lb.serversUp().size() == 3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (pages != null) {
            pages.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (lb != null) {
            lb.close();
        }
        replicas.forEach(Replica::kill);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theDeathOfTheReplicaThatServedEverythingIsANonEvent() throws Exception {
        String proxy = lb.base();
        Page publisher = browser.open(pages.https("test.html"));
        Map<String, Object> pub = PageResults.ok(publisher, publisher.call("publish",
                proxy + "/as/v1/proxy/whip/" + GUID, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(PageResults.methodsAndStatuses(pub)).containsExactly("OPTIONS 204", "POST 201", "PATCH 204");
        await().atMost(MEDIA).until(() -> origin.framesDecoded(GUID) > 30);
        awaitCarriedByEdges(GUID);

        Page viewer = browser.open(pages.https("test.html"));
        Map<String, Object> play = PageResults.ok(viewer, viewer.call("play",
                proxy + "/as/v1/proxy/whep/" + GUID, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        assertThat((String) play.get("resourceUrl")).startsWith(proxy + "/as/v1/proxy/whep/resource/");

        // WebSocket signalling that stays on its socket, so the sessions stay in the tier's registry.
        Page wsPublisher = browser.open(pages.https("ws-test.html"));
        PageResults.ok(wsPublisher, wsPublisher.call("wsPublish", Map.of("streamName", "tierws", "switchChannel", false,
                "endpoint", lb.wss() + "/as/v1/proxy/ws/publish/" + WS_GUID + "?id=tierws&nodeGroup=ng1")));
        await().atMost(MEDIA).until(() -> origin.framesDecoded(WS_GUID) > 10);
        awaitCarriedByEdges(WS_GUID);
        Page wsViewer = browser.open(pages.https("ws-test.html"));
        PageResults.ok(wsViewer, wsViewer.call("wsPlay", Map.of("streamName", "tierws", "subscriptionId", "tier-ws-1",
                "switchChannel", false,
                "endpoint", lb.wss() + "/as/v1/proxy/ws/subscribe/" + WS_GUID + "?id=tier-ws-1&nodeGroup=ng1")));

        // the newest 1.6.x here (BrowserHlsIT and the demo pages cover the pinned release too)
        Page hls = browser.open(pages.https("hls-test.html?hls=1.6"));
        PageResults.ok(hls, hls.call("hlsPlay", proxy + "/as/v1/proxy/hls/" + HLS_GUID + ".m3u8?nodeGroup=ng1"));

        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer, "framesDecoded") > 30);
        await().atMost(MEDIA).until(() -> PageResults.longStat(wsViewer, "framesDecoded") > 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> number(hls, "currentTime") > 1 && number(hls, "fragments") >= 2);

        // The replica that served the WHEP POST, by its own counters (each replica is asked directly).
        List<Replica> served = replicas.stream().filter(r -> r.relayed("whep", "POST", "201") > 0).toList();
        assertThat(served).as("one replica served the WHEP POST").hasSize(1);
        Replica victim = served.get(0);
        assertThat(victim.relayed("whip", "POST", "201")).as("stickiness: the WHIP POST went there too").isEqualTo(1);
        List<String> wsHolders = wsSessionReplicas(victim == replicas.get(0) ? replicas.get(1) : replicas.get(0));
        assertThat(wsHolders).as("the tier's registry, read on another replica").hasSize(2)
                .allMatch(victim.id::equals);

        long framesAtKill = PageResults.longStat(viewer, "framesDecoded");
        double hlsTimeAtKill = number(hls, "currentTime");
        double fragmentsAtKill = number(hls, "fragments");
        victim.kill();

        // Through the load balancer, now on the survivors: the WHEP session's trickle PATCH reaches its edge.
        Map<String, Object> trickle = viewer.call("trickle");
        assertThat(trickle).as("trickle after the kill: " + trickle).containsEntry("status", 204L);
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer, "framesDecoded") > framesAtKill + 30);
        await().atMost(Duration.ofSeconds(30)).until(() -> number(hls, "fragments") >= fragmentsAtKill + 2
                && number(hls, "currentTime") > hlsTimeAtKill + 2);
        // and plays on as a viewer watches it, every playlist reload and segment on whichever survivor the
        // balancer picks
        HlsWatch.watch("hls.js 1.6 through the balancer after a replica died", () -> hls.call("hlsStats"));

        // Its health check took the dead replica out of rotation.
        String victimServer = "r" + (replicas.indexOf(victim) + 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !lb.serversUp().contains(victimServer));
        assertThat(lb.serversUp()).hasSize(2);

        // The dead replica's WebSocket sessions leave the registry; the survivors hold none of them.
        Replica survivor = replicas.stream().filter(r -> r != victim).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> wsSessionReplicas(survivor).isEmpty());
        assertThat(wsSessionReplicasThrough(proxy)).isEmpty();

        // A new player gets in through the survivors.
        Page viewer2 = browser.open(pages.https("test.html"));
        Map<String, Object> play2 = PageResults.ok(viewer2, viewer2.call("play",
                proxy + "/as/v1/proxy/whep/" + GUID, PageResults.params("nodeGroup", "ng1"), Map.of()));
        assertThat(PageResults.methodsAndStatuses(play2))
                .containsExactly("OPTIONS 204", "POST 201", "PATCH 201", "PATCH 204");
        await().atMost(MEDIA).until(() -> PageResults.longStat(viewer2, "framesDecoded") > 30);
        assertThat(replicas.stream().filter(r -> r != victim).mapToLong(r -> r.relayed("whep", "POST", "201")).sum())
                .isEqualTo(1);

        // Sessions made through the dead replica end through the others.
        assertThat(PageResults.hangup(viewer)).isEqualTo(200L);
        assertThat(PageResults.hangup(viewer2)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> edges.stream().mapToInt(e -> e.subscriberCount(GUID)).sum() == 0);
        assertThat(PageResults.hangup(publisher)).isEqualTo(200L);
        await().atMost(Duration.ofSeconds(5)).until(() -> !origin.isPublishing(GUID));
        assertThat(hls.call("hlsStop")).containsEntry("stopped", true);
        List.of(publisher, viewer, viewer2, wsPublisher, wsViewer, hls).forEach(Page::close);
    }

    private static void awaitCarriedByEdges(String guid) {
        await().atMost(CLUSTER).until(() -> {
            HttpResponse<String> r = Https.send(http, "GET", lb.base() + "/as/v1/streams/stream/ng1/stream/" + guid, null);
            if (r.statusCode() != 200) {
                return false;
            }
            int edgeCount = 0;
            for (JsonNode entry : JSON.readTree(r.body())) {
                edgeCount += "edge".equals(entry.get("nodeRole").asText()) ? 1 : 0;
            }
            return edgeCount == 2;
        });
    }

    /** The replica of each session in the tier-wide registry, as one replica lists it. */
    private static List<String> wsSessionReplicas(Replica asked) throws Exception {
        return wsSessionReplicasThrough(asked.base);
    }

    private static List<String> wsSessionReplicasThrough(String base) throws Exception {
        HttpResponse<String> r = Https.send(http, "GET", base + "/as/v1/admin/rtcproxy", null,
                "Authorization", "Bearer " + ADMIN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(entry -> out.add(entry.get("replica").asText()));
        return out;
    }

    private static double number(Page page, String stat) {
        Object v = page.call("hlsStats").get(stat);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    /** One replica: the packaged standalone jar in its own JVM and folder, on a port of its own choosing. */
    static final class Replica {
        final String id;
        final Process process;
        final CompletableFuture<String> ready = new CompletableFuture<>();
        final Path log;
        int port;
        String base;

        private Replica(String id, Process process, Path log) {
            this.id = id;
            this.process = process;
            this.log = log;
        }

        static Replica launch(Path dir, String id, TestKeystore keystore) throws IOException {
            Path home = Files.createDirectories(dir.resolve(id));
            Files.writeString(home.resolve("proxy.properties"), String.join("\n",
                    "cluster.file=" + dir.resolve("cluster.json"),
                    "cluster.store=redis",
                    "cluster.store.url=" + redis.url(),
                    "cluster.replica.id=" + id,
                    "proxy.session.secret=tier-session-secret-0123456789",
                    "cluster.heartbeat.interval=300ms",
                    "cluster.heartbeat.timeout=5s",
                    "api.node.secret=" + NODE_SECRET,
                    "api.admin.token=" + ADMIN,
                    "standalone.bind=127.0.0.1",
                    "standalone.https.port=0",
                    "standalone.keystore.file=" + keystore.file(),
                    "standalone.keystore.password=" + keystore.password(),
                    ""));
            // Small heaps and a quick JIT: three of these share two cores with the browser and the nodes.
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-jar", System.getProperty("smproxy.standaloneJar"), "--config", "proxy.properties");
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true).start();
            Replica r = new Replica(id, p, home.resolve("replica.log"));
            Thread reader = new Thread(r::pump, "out-" + id);
            reader.setDaemon(true);
            reader.start();
            return r;
        }

        /** Copies the output to a log file and catches the READY line. */
        private void pump() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    if (line.startsWith("READY ")) {
                        ready.complete(line.substring(6).trim());
                    }
                }
            } catch (IOException e) {
                // the process is gone; awaitReady reports it
            }
            ready.completeExceptionally(new IllegalStateException(id + " exited without READY"));
        }

        void awaitReady() throws Exception {
            String health;
            try {
                health = ready.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(id + " did not start:\n" + Files.readString(log), e);
            }
            base = health.substring(0, health.indexOf("/as/"));
            port = URI.create(base).getPort();
        }

        /** Whether this replica has that many nodes in service; a failed request is a no, to be asked again. */
        boolean knowsNodes(int count) {
            try {
                HttpResponse<String> r = Https.send(http, "GET", base + "/as/v1/admin/nodes?state=INSERVICE", null,
                        "Authorization", "Bearer " + ADMIN);
                return r.statusCode() == 200 && JSON.readTree(r.body()).size() == count;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** This replica's count of relayed requests, from its Prometheus endpoint. */
        long relayed(String kind, String method, String status) {
            try {
                HttpResponse<String> r = Https.send(http, "GET", base + "/as/v1/metrics", null);
                return r.body().lines().filter(l -> l.startsWith("smproxy_relay_requests_seconds_count{")
                                && l.contains("kind=\"" + kind + "\"") && l.contains("method=\"" + method + "\"")
                                && l.contains("status=\"" + status + "\""))
                        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            } catch (IOException e) {
                throw new IllegalStateException(id + " metrics: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** SIGKILL: no shutdown hook, no goodbye to the store; its sockets reset. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
