package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The Grafana dashboard in conf/grafana is built on exactly what the proxy exports: after one of each kind of
 * traffic (a WHEP session, one sent to a node that is down and failed over, an HLS playlist and segment, a WebSocket session), every
 * metric a panel queries is in {@code /as/v1/metrics}. A renamed meter fails here, not on an operator's empty chart.
 */
class MetricsDashboardTest {
    static final String SECRET = "dashboard-nodes-0123456789";
    static final Path DASHBOARD = Path.of("conf/grafana/streammanager-proxy.json");
    static final Pattern METRIC = Pattern.compile("\\b((?:smproxy|jvm|process)_[a-z0-9_]+)\\b");

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static RecordingNode edge;
    static EchoWsNode wsNode;
    static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        edge = new RecordingNode();
        edge.behave(RecordingNode::red5WithHls);
        wsNode = new EchoWsNode();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("proxy.enabled", "true", "api.node.secret", SECRET, "cluster.heartbeat.timeout", "10m",
                        "proxy.upstream.timeout", "2s"));
        proxy.heartbeat(SECRET, node("edge", edge.port(), "[{\"streamGuid\":\"live/s\",\"publishing\":true}]"));
        proxy.heartbeat(SECRET, node("down", closedPort, "[]"));
        proxy.heartbeat(SECRET, node("ws", wsNode.port(), "[]"));
    }

    static String node(String id, int port, String streams) {
        return "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + port + ",\"state\":\"INSERVICE\",\"streams\":" + streams + "}";
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (wsNode != null) {
            wsNode.close();
        }
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        String offer = RecordingNode.OFFER;
        HttpResponse<String> whep = Https.send(proxy.client, "POST", proxy.base + "/as/v1/proxy/whep/live/s?host=127.0.0.1:"
                + edge.port(), offer, "Content-Type", "application/sdp");
        assertThat(whep.statusCode()).as(whep.body()).isEqualTo(201);
        // the node named refuses the connection: the offer goes to another node, and both show
        HttpResponse<String> down = Https.send(proxy.client, "POST", proxy.base + "/as/v1/proxy/whep/live/s?host=127.0.0.1:"
                + closedPort, offer, "Content-Type", "application/sdp");
        assertThat(down.statusCode()).isEqualTo(201);
        HttpResponse<String> playlist = Https.send(proxy.client, "GET", proxy.base + "/as/v1/proxy/hls/live/s.m3u8", null);
        assertThat(playlist.statusCode()).as(playlist.body()).isEqualTo(200);
        String segment = playlist.body().lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        assertThat(Https.send(proxy.client, "GET", URI.create(proxy.base + "/as/v1/proxy/hls/live/s.m3u8").resolve(segment)
                .toString(), null).statusCode()).isEqualTo(200);
        WebSocket ws = proxy.client.newWebSocketBuilder().subprotocols("json").buildAsync(URI.create(proxy.base
                .replace("https", "wss") + "/streammanager/?id=dash&host=127.0.0.1:" + wsNode.port() + "&app=live"),
                new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.core().wsSessions().size() == 0);

        // GC pauses are timed from the first collection on, which a busy JVM has long had; this one may not yet
        System.gc();
        await().atMost(Duration.ofSeconds(10)).until(() -> Https.send(proxy.client, "GET", proxy.base + "/as/v1/metrics",
                null).body().contains("jvm_gc_pause_seconds_sum"));
        String scrape = Https.send(proxy.client, "GET", proxy.base + "/as/v1/metrics", null).body();
        Set<String> exported = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        Set<String> used = new TreeSet<>();
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        dashboard.findValues("expr").forEach(e -> {
            Matcher m = METRIC.matcher(e.asText());
            while (m.find()) {
                used.add(m.group(1));
            }
        });
        assertThat(used).as("the dashboard queries metrics").hasSizeGreaterThan(15);
        assertThat(exported).as("what /as/v1/metrics exports").containsAll(used);
        // each panel reads the dashboard's data source variable, so it imports into any Grafana
        dashboard.get("panels").forEach(p -> {
            if (!"row".equals(p.get("type").asText())) {
                assertThat(p.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
            }
        });
        // the failures above show where an operator looks for them
        assertThat(scrape).containsPattern("smproxy_node_errors_total\\{[^}]*kind=\"whep\"[^}]*node=\"down\"[^}]*} 1\\.0")
                .containsPattern("smproxy_relay_failovers_total\\{kind=\"whep\"} 1\\.0")
                .containsPattern("smproxy_ws_sessions_closed_total\\{reason=\"normal\"} 1\\.0")
                .containsPattern("smproxy_relay_requests_seconds_count\\{kind=\"hls\"");
    }
}
