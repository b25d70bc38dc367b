package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The SM 2.0 forward proxy against stand-in nodes on real sockets, through each server adapter: what reaches a node
 * (and what does not), what comes back, the cluster digest, and every target it refuses before any node sees it.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class ForwardProxyTest {
    static final String ADMIN = "forward-admin-0123456789";
    static final String SECRET = "forward-nodes-0123456789";
    static final String CLUSTER_PASSWORD = "ng1-cluster-password";
    static final String PUBLIC_B = "203.0.113.9";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static HttpClient http;
    static String base;
    static int proxyPort;
    /** ng1, on 127.0.0.1. */
    static RecordingNode nodeA;
    /** ng1, public address {@link #PUBLIC_B}, reached by its private 127.0.0.1. */
    static RecordingNode nodeB;
    /** ng2, on 127.0.0.1. */
    static RecordingNode nodeC;
    /** ng1, on 127.0.0.1, reporting FAULT. */
    static RecordingNode faulty;
    static int downPort;

    @Parameter
    String adapter;

    @BeforeParameterizedClassInvocation
    static void start(String adapter) throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve(adapter)), "{\"nodeGroups\":["
                        + "{\"name\":\"ng1\",\"clusterPassword\":\"" + CLUSTER_PASSWORD + "\"},"
                        + "{\"name\":\"ng2\",\"clusterPassword\":\"ng2-cluster-password\"},{\"name\":\"ng3\"}]}",
                Map.of("api.admin.token", ADMIN, "api.node.secret", SECRET, "cluster.heartbeat.timeout", "10m",
                        "proxy.maxBodySize", "4096",
                        "standalone.server", "tomcat", "standalone.netty.port", "0"));
        http = proxy.client;
        proxyPort = "netty".equals(adapter) ? proxy.server.nettyPort() : proxy.server.httpsPort();
        base = "https://127.0.0.1:" + proxyPort;
        nodeA = new RecordingNode();
        nodeB = new RecordingNode();
        nodeC = new RecordingNode();
        faulty = new RecordingNode();
        try (ServerSocket s = new ServerSocket(0)) {
            downPort = s.getLocalPort();
        }
        heartbeat("a", "ng1", "127.0.0.1", null, nodeA.port(), "INSERVICE");
        heartbeat("b", "ng1", PUBLIC_B, "127.0.0.1", nodeB.port(), "INSERVICE");
        heartbeat("c", "ng2", "127.0.0.1", null, nodeC.port(), "INSERVICE");
        heartbeat("faulty", "ng1", "127.0.0.1", null, faulty.port(), "FAULT");
        heartbeat("down", "ng1", "127.0.0.1", null, downPort, "INSERVICE");
    }

    static void heartbeat(String id, String group, String publicAddress, String privateAddress, int port, String state)
            throws Exception {
        proxy.heartbeat(SECRET, "{\"id\":\"" + id + "\",\"nodeGroup\":\"" + group + "\",\"role\":\"origin\","
                + "\"publicAddress\":\"" + publicAddress + "\""
                + (privateAddress == null ? "" : ",\"privateAddress\":\"" + privateAddress + "\"")
                + ",\"httpPort\":" + port + ",\"state\":\"" + state + "\",\"streams\":[]}");
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, nodeC, faulty, proxy}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next invocation starts afresh
            }
        }
    }

    @BeforeEach
    void clear() {
        for (RecordingNode n : List.of(nodeA, nodeB, nodeC, faulty)) {
            n.clear();
            n.behave(RecordingNode::red5);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A request to the forward proxy, {@code query} as written, with the admin token unless the headers carry one. */
    static HttpResponse<String> forward(String method, String query, String body, String... headers) throws Exception {
        List<String> h = new ArrayList<>(List.of(headers));
        if (!h.contains("Authorization")) {
            h.addAll(List.of("Authorization", "Bearer " + ADMIN));
        }
        return anonymous(method, query, body, h.toArray(String[]::new));
    }

    static HttpResponse<String> anonymous(String method, String query, String body, String... headers) throws Exception {
        return Https.send(http, method, base + "/as/v1/proxy/forward/" + query, body, headers);
    }

    static String nodeUrl(RecordingNode node, String pathAndQuery) {
        return "http://127.0.0.1:" + node.port() + pathAndQuery;
    }

    static void assertJsonError(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(JSON.readTree(r.body()).path("error").asText()).isNotBlank();
    }

    static void assertNoNodeSawAnything() {
        for (RecordingNode n : List.of(nodeA, nodeB, nodeC, faulty)) {
            assertThat(n.seen()).isEmpty();
        }
    }

    @Test
    void aGetReachesTheNodesPathWithItsQueryAndOnlyEndToEndHeadersAndTheAnswerComesBack() throws Exception {
        nodeA.behave(s -> new RecordingNode.Answer(200, Map.of("Content-Type", "application/json", "ETag", "\"v1\"",
                "Cache-Control", "max-age=5", "Set-Cookie", "node=1", "X-Node-Internal", "x"), "{\"mediafiles\":[]}"));
        HttpResponse<String> r = forward("GET", "?target=" + enc(nodeUrl(nodeA, "/live/mediafiles?useCloud=true"))
                        + "&accessToken=other&extra=1",
                null, "Accept", "application/json", "If-None-Match", "\"v0\"", "User-Agent", "testbed",
                "Authorization", "Bearer " + ADMIN, "Cookie", "session=secret", "X-Forwarded-For", "6.6.6.6",
                "X-Forwarded-Host", "evil.example", "X-Request-Id", "fwd-1");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"mediafiles\":[]}");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("ETag")).hasValue("\"v1\"");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("max-age=5");
        assertThat(r.headers().firstValue("X-Request-Id")).hasValue("fwd-1");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(r.headers().firstValue("X-Node-Internal")).isEmpty();

        RecordingNode.Seen seen = nodeA.last();
        assertThat(nodeA.seen()).hasSize(1);
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.path()).isEqualTo("/live/mediafiles");
        assertThat(seen.query()).isEqualTo("useCloud=true");
        assertThat(seen.header("Accept")).isEqualTo("application/json");
        assertThat(seen.header("If-None-Match")).isEqualTo("\"v0\"");
        assertThat(seen.header("User-Agent")).isEqualTo("testbed");
        assertThat(seen.header("X-Request-Id")).isEqualTo("fwd-1");
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        for (String kept : List.of("Authorization", "Cookie", "X-Forwarded-Host")) {
            assertThat(seen.header(kept)).as(kept).isNull();
        }
    }

    @Test
    void aPostCarriesItsBodyAndTheNodesOwnErrorsComeBackAsTheyAre() throws Exception {
        nodeA.behave(s -> s.method().equals("POST")
                ? new RecordingNode.Answer(200, Map.of("Content-Type", "application/json"), "{\"ok\":true}")
                : new RecordingNode.Answer(404, Map.of("Content-Type", "text/plain"), "no such file"));
        // without the trailing slash too
        HttpResponse<String> r = Https.send(http, "POST", base + "/as/v1/proxy/forward?target="
                        + enc(nodeUrl(nodeA, "/socialpusher/api")), "{\"provisions\":[]}",
                "Authorization", "Bearer " + ADMIN, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(nodeA.last().method()).isEqualTo("POST");
        assertThat(nodeA.last().body()).isEqualTo("{\"provisions\":[]}");
        assertThat(nodeA.last().header("Content-Type")).isEqualTo("application/json");

        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> missing = forward(method, "?target=" + enc(nodeUrl(nodeA, "/live/nothing")), null);
            assertThat(missing.statusCode()).as(method).isEqualTo(404);
            assertThat(missing.body()).isEqualTo("no such file");
            assertThat(nodeA.last().method()).isEqualTo(method);
        }
    }

    @Test
    void aNodeIsReachedByItsPublicOrPrivateAddressTheWayTheProxyAlwaysReachesIt() throws Exception {
        nodeB.behave(s -> new RecordingNode.Answer(200, Map.of("Content-Type", "text/plain"), "B"));
        for (String host : List.of(PUBLIC_B, "127.0.0.1")) {
            HttpResponse<String> r = forward("GET", "?target=" + enc("http://" + host + ":" + nodeB.port() + "/live/playlists"), null);
            assertThat(r.statusCode()).as(host + ": " + r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("B");
        }
        assertThat(nodeB.seen()).hasSize(2);
    }

    @Test
    void everyTargetThatIsNotAServingNodesHttpApiIsRefusedBeforeAnyNodeSeesIt() throws Exception {
        Map<String, Integer> refused = new java.util.LinkedHashMap<>();
        refused.put("?target=" + enc("http://127.0.0.1:" + proxyPort + "/as/v1/admin/nodes"), 403); // the proxy itself
        refused.put("?target=" + enc("http://127.0.0.1:1/"), 403);                               // loopback, no node
        refused.put("?target=" + enc("http://169.254.169.254/latest/meta-data/"), 403);
        refused.put("?target=" + enc("http://" + PUBLIC_B + ":5080/live/playlists"), 403);          // a node, another port
        refused.put("?target=" + enc("http://" + PUBLIC_B + "/live/playlists"), 403);               // port 80
        refused.put("?target=" + enc("https://127.0.0.1:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("ftp://127.0.0.1:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("http://localhost:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("http://example.com/"), 403);
        refused.put("?target=" + enc("http://2130706433:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("http://[::1]:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("http://admin:pw@127.0.0.1:" + nodeA.port() + "/"), 403);
        refused.put("?target=" + enc("http://127.0.0.1:" + nodeA.port() + "@example.com/"), 403);
        refused.put("?target=" + enc("http://127.0.0.1:" + faulty.port() + "/"), 403);            // not in service
        refused.put("?target=", 400);
        refused.put("", 400);
        refused.put("?target=" + enc("not a url"), 400);
        refused.put("?target=" + enc("/live/playlists"), 400);
        refused.put("?target=" + enc("http://127.0.0.1:" + nodeA.port() + "/a b"), 400);
        refused.put("?target=" + enc("http://127.1:" + nodeA.port() + "/"), 400);                 // no host URI reads
        refused.put("?target=" + enc("http://0x7f.0.0.1:" + nodeA.port() + "/"), 400);
        for (Map.Entry<String, Integer> e : refused.entrySet()) {
            HttpResponse<String> r = forward("GET", e.getKey(), null);
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(e.getValue());
            assertJsonError(r, e.getValue());
        }
        assertNoNodeSawAnything();
    }

    @Test
    void withoutTheAdminTokenNothingIsForwarded() throws Exception {
        String target = "?target=" + enc(nodeUrl(nodeA, "/live/playlists"));
        assertJsonError(anonymous("GET", target, null), 401);
        assertJsonError(forward("GET", target, null, "Authorization", "Bearer not-the-admin-token"), 401);
        assertJsonError(anonymous("POST", "?target=" + enc("http://169.254.169.254/"), "{}"), 401);
        assertNoNodeSawAnything();
    }

    @Test
    void aNodesRedirectIsRelayedAsItIsAndNotFollowed() throws Exception {
        nodeA.behave(s -> new RecordingNode.Answer(302, Map.of("Location", "http://169.254.169.254/latest/meta-data/"), ""));
        HttpResponse<String> r = forward("GET", "?target=" + enc(nodeUrl(nodeA, "/live/playlists")), null);
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("http://169.254.169.254/latest/meta-data/");
        assertThat(nodeA.seen()).hasSize(1);
    }

    @Test
    void theDigestSignsTheNodeUrlWithItsGroupsClusterPasswordAsRed5sClusterAuthDoes() throws Exception {
        long before = System.currentTimeMillis();
        HttpResponse<String> r = forward("POST", "?nodegroup=ng1&digestAction=provision.create&target="
                + enc(nodeUrl(nodeA, "/socialpusher/api?x=1&signature=forged")), "{\"provisions\":[]}",
                "Content-Type", "application/json");
        long after = System.currentTimeMillis();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201); // RecordingNode's POST
        String query = nodeA.last().query();
        Matcher m = Pattern.compile("x=1&action=provision\\.create&timestamp=(\\d+)&signature=([0-9a-f]{64})").matcher(query);
        assertThat(m.matches()).as(query).isTrue();
        long timestamp = Long.parseLong(m.group(1));
        assertThat(timestamp).isBetween(before, after);
        byte[] hash = MessageDigest.getInstance("SHA-256")
                .digest(("provision.create" + timestamp + CLUSTER_PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(m.group(2)).isEqualTo(HexFormat.of().formatHex(hash));
    }

    @Test
    void aDigestNeedsBothParametersAKnownGroupWithAPasswordAndThatGroupsNode() throws Exception {
        String a = "&target=" + enc(nodeUrl(nodeA, "/socialpusher/api"));
        assertJsonError(forward("POST", "?digestAction=provision.create" + a, "{}"), 400);
        assertJsonError(forward("POST", "?nodegroup=ng1" + a, "{}"), 400);
        assertJsonError(forward("POST", "?nodegroup=ng1&digestAction=provision%20create" + a, "{}"), 400);
        assertJsonError(forward("POST", "?nodegroup=nope&digestAction=provision.create" + a, "{}"), 404);
        HttpResponse<String> noPassword = forward("POST", "?nodegroup=ng3&digestAction=provision.create" + a, "{}");
        assertJsonError(noPassword, 400);
        assertThat(noPassword.body()).contains("clusterPassword").doesNotContain(CLUSTER_PASSWORD);
        // node c is ng2's: ng1's password does not sign for it
        assertJsonError(forward("POST", "?nodegroup=ng1&digestAction=provision.create&target="
                + enc(nodeUrl(nodeC, "/socialpusher/api")), "{}"), 400);
        assertNoNodeSawAnything();
    }

    @Test
    void aNodeThatIsDownIsA502WithAReason() throws Exception {
        HttpResponse<String> r = forward("GET", "?target=" + enc("http://127.0.0.1:" + downPort + "/live/playlists"), null);
        assertJsonError(r, 502);
        JsonNode error = JSON.readTree(r.body());
        assertThat(error.get("error").asText()).contains("refused");
    }

    @Test
    void aBodyPastTheLimitAndAnUnforwardedMethodAreRefusedAsJson() throws Exception {
        String target = "?target=" + enc(nodeUrl(nodeA, "/socialpusher/api"));
        assertJsonError(forward("POST", target, "x".repeat(5000), "Content-Type", "application/json"), 413);
        assertJsonError(forward("PATCH", target, "{}"), 405);
        assertJsonError(forward("GET", target.replace("?", "x?"), null), 404);
        assertNoNodeSawAnything();
    }
}
