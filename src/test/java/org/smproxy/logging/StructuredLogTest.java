package org.smproxy.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ProxyConfig;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;

/**
 * logging.format=json at DEBUG, through a day's worth of requests that carry every kind of secret (the admin token,
 * a wrong guess at it, the node secret, a player's token and password in the query, its Authorization header, the
 * session's resource token in the path, an HLS token): every line is one JSON object with its fields, a relay's
 * lines carry the request id the client sent (which also reached the node and came back), and no secret is in
 * the file.
 */
class StructuredLogTest {
    static final String ADMIN = "log-admin-token-0123456789";
    static final String SECRET = "log-node-secret-0123456789";
    static final String SESSION = "log-session-secret-0123456789";
    static final String WRONG_GUESS = "guessed-admin-token-987654321";
    static final String PLAYER_TOKEN = "player-token-s3cr3t-5551212";
    static final String PLAYER_PASSWORD = "player-password-hunter2-xyz";
    static final String PLAYER_BEARER = "player-bearer-abcdef-0123456";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path logFile;
    static TestProxy proxy;
    static RecordingNode node;

    @BeforeAll
    static void start() throws Exception {
        logFile = dir.resolve("proxy.log");
        LogSetup.configure(new ProxyConfig.Logging(ProxyConfig.LogFormat.JSON, "DEBUG", logFile));
        node = new RecordingNode();
        node.behave(RecordingNode::red5WithHls);
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("proxy.enabled", "true", "api.admin.token", ADMIN, "api.node.secret", SECRET,
                        "proxy.session.secret", SESSION, "cluster.heartbeat.timeout", "10m"));
        proxy.heartbeat(SECRET, "{\"id\":\"rec\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + node.port() + ",\"state\":\"INSERVICE\",\"streams\":[{\"streamGuid\":\"live/cam\",\"publishing\":true}]}");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (node != null) {
            node.close();
        }
        // back to the test suite's own logback-test.xml
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    @Test
    void jsonLinesWithRequestIdsAndNoSecrets() throws Exception {
        String whep = proxy.base + "/as/v1/proxy/whep/live/cam?host=127.0.0.1:" + node.port() + "&token=" + PLAYER_TOKEN
                + "&password=" + PLAYER_PASSWORD;
        HttpResponse<String> post = Https.send(proxy.client, "POST", whep, RecordingNode.OFFER, "Content-Type",
                "application/sdp", "X-Request-Id", "test-req-42", "Authorization", "Bearer " + PLAYER_BEARER);
        assertThat(post.statusCode()).isEqualTo(201);
        assertThat(post.headers().firstValue("X-Request-Id")).hasValue("test-req-42");
        assertThat(node.last().header("X-Request-Id")).as("the node gets the same id").isEqualTo("test-req-42");
        String resource = post.headers().firstValue("Location").orElseThrow();
        String sessionToken = resource.substring(resource.lastIndexOf('/') + 1);
        assertThat(Https.send(proxy.client, "PATCH", proxy.base + resource, "a=ice-ufrag:x\r\n", "Content-Type",
                "application/trickle-ice-sdpfrag", "X-Request-Id", "test-req-43").statusCode()).isEqualTo(204);
        assertThat(Https.send(proxy.client, "DELETE", proxy.base + resource, null, "X-Request-Id", "test-req-44")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> made = Https.send(proxy.client, "POST", proxy.base + "/as/v1/proxy/whep/live/cam?host=nowhere",
                RecordingNode.OFFER, "Content-Type", "application/sdp", "X-Request-Id", "bad id with spaces");
        assertThat(made.statusCode()).isEqualTo(400);
        assertThat(made.headers().firstValue("X-Request-Id").orElseThrow()).as("a made id for an unusable one")
                .matches("[0-9a-f]{16}");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        proxy.heartbeat(SECRET, "{\"id\":\"dead\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + closedPort + ",\"state\":\"INSERVICE\"}");
        assertThat(Https.send(proxy.client, "DELETE", proxy.base + "/as/v1/proxy/whep/live/cam?host=127.0.0.1:" + closedPort
                + "&token=" + PLAYER_TOKEN, null, "X-Request-Id", "test-req-45").statusCode()).isEqualTo(502);
        HttpResponse<String> playlist = Https.send(proxy.client, "GET", proxy.base + "/as/v1/proxy/hls/live/cam.m3u8?token="
                + PLAYER_TOKEN, null, "X-Request-Id", "test-req-46");
        assertThat(playlist.statusCode()).isEqualTo(200);
        assertThat(playlist.headers().firstValue("X-Request-Id")).hasValue("test-req-46");
        String hlsToken = playlist.body().lines().filter(l -> l.contains("/n/")).findFirst().orElseThrow();
        assertThat(Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes", null, "Authorization",
                "Bearer " + WRONG_GUESS).statusCode()).isEqualTo(401);
        assertThat(Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes", null, "Authorization",
                "Bearer " + ADMIN).statusCode()).isEqualTo(200);

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(logFile)) {
            JsonNode j = JSON.readTree(line); // each line is one object, or this throws
            assertThat(j.has("time") && j.has("level") && j.has("logger") && j.has("message")).as(line).isTrue();
            lines.add(j);
        }
        assertThat(lines).isNotEmpty();
        JsonNode started = lines.stream().filter(j -> "test-req-42".equals(j.path("requestId").asText())
                && j.path("message").asText().contains("session started")).findFirst().orElseThrow();
        assertThat(started.get("method").asText()).isEqualTo("POST");
        assertThat(started.get("path").asText()).isEqualTo("/as/v1/proxy/whep/live/cam");
        assertThat(started.get("node").asText()).isEqualTo("rec");
        assertThat(started.get("status").asInt()).isEqualTo(201);
        assertThat(started.get("durationMs").isNumber()).isTrue();
        JsonNode ended = lines.stream().filter(j -> "test-req-44".equals(j.path("requestId").asText())).findFirst()
                .orElseThrow();
        assertThat(ended.get("path").asText()).isEqualTo("/as/v1/proxy/whep/resource/<token>");
        JsonNode failed = lines.stream().filter(j -> "test-req-45".equals(j.path("requestId").asText())).findFirst()
                .orElseThrow();
        assertThat(failed.get("level").asText()).isEqualTo("WARN");
        assertThat(failed.get("status").asInt()).isEqualTo(502);
        assertThat(failed.get("node").asText()).isEqualTo("dead");

        String all = Files.readString(logFile);
        for (String secret : List.of(ADMIN, SECRET, SESSION, WRONG_GUESS, PLAYER_TOKEN, PLAYER_PASSWORD, PLAYER_BEARER,
                sessionToken, hlsToken.substring(hlsToken.indexOf("route=") + "route=".length()))) {
            assertThat(all).as("a secret in the log").doesNotContain(secret);
        }
    }
}
