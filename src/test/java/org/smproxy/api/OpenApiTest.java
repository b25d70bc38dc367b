package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The OpenAPI document served at /as/v1/openapi.json against the running server: every operation carries an example,
 * the example is sent (to a cluster of a stand-in Red5 node, a WebSocket echo node and a few reported nodes), it gets
 * the documented status, and its JSON answer validates against the documented schema. A field renamed in the code,
 * or a status changed, fails here.
 */
class OpenApiTest {
    static final String ADMIN = "openapi-admin-0123456789";
    static final String SECRET = "openapi-nodes-0123456789";
    static final String LOGIN = "openapi-login-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static RecordingNode node;
    static EchoWsNode wsNode;
    static JsonNode doc;
    static SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012());

    @BeforeAll
    static void start() throws Exception {
        node = new RecordingNode();
        // a Red5 node, with the SocialPusher the forward proxy's example provisions at
        node.behave(s -> s.path().equals("/socialpusher/api") ? new RecordingNode.Answer(200, Map.of(), "")
                : RecordingNode.red5WithHls(s));
        wsNode = new EchoWsNode();
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")),
                "{\"nodeGroups\":[{\"name\":\"ng1\",\"clusterPassword\":\"openapi-cluster\"}]}",
                Map.of("proxy.enabled", "true", "api.admin.token", ADMIN, "api.node.secret", SECRET,
                        "cluster.heartbeat.timeout", "10m", "api.auth.admin.password", LOGIN,
                        "api.auth.jwt.secret", "openapi-login-secret-0123456789"));
        heartbeat("rec", "allinone", "127.0.0.1", node.port(), "[{\"streamGuid\":\"live/cam\",\"publishing\":true}]");
        heartbeat("ws", "allinone", "127.0.0.1", wsNode.port(), "[]");
        heartbeat("o1", "origin", "198.51.100.1", 5080, "[]");
        heartbeat("e2", "edge", "198.51.100.2", 5080, "[{\"streamGuid\":\"live/other\",\"subscribers\":1}]");
        doc = JSON.readTree(Https.send(proxy.client, "GET", proxy.base + "/as/v1/openapi.json", null).body());
    }

    static void heartbeat(String id, String role, String address, int port, String streams) throws Exception {
        proxy.heartbeat(SECRET, "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"" + role + "\",\"publicAddress\":\""
                + address + "\",\"httpPort\":" + port + ",\"state\":\"INSERVICE\",\"streams\":" + streams + "}");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (node != null) {
            node.close();
        }
        if (wsNode != null) {
            wsNode.close();
        }
    }

    @Test
    void theDocumentIsOpenApi31AndEveryOperationHasAnExampleOnItsOwnPath() {
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            Pattern shape = Pattern.compile(Pattern.quote(path.getKey()).replaceAll("\\{[^}]+}", "\\\\E[^/?]+\\\\Q"));
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                JsonNode ex = op.getValue().get("x-smproxy-example");
                assertThat(ex).as("%s %s has an example", op.getKey(), path.getKey()).isNotNull();
                String examplePath = ex.get("path").asText().split("\\?")[0];
                assertThat(examplePath).as("the example of %s %s", op.getKey(), path.getKey()).matches(shape);
                assertThat(op.getValue().get("responses").has(ex.get("status").asText()))
                        .as("%s %s documents the status its example gets", op.getKey(), path.getKey()).isTrue();
                operations++;
            }
        }
        assertThat(operations).isGreaterThan(35);
    }

    @Test
    void everyDocumentedExampleGetsItsStatusAndAnAnswerTheSchemaAccepts() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
                String what = method + " " + path.getKey();
                try {
                    String problem = check(method, op.getValue());
                    if (problem != null) {
                        wrong.add(what + ": " + problem);
                    }
                } catch (Exception e) {
                    wrong.add(what + ": " + e);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    /** Sends one operation's example; null when the answer is the documented one. */
    private String check(String method, JsonNode op) throws Exception {
        JsonNode ex = op.get("x-smproxy-example");
        int status = ex.get("status").asInt();
        if (ex.has("before")) {
            heartbeat(ex.get("before").asText().substring("heartbeat ".length()), "edge", "198.51.100.30", 5080, "[]");
        }
        String target = fill(ex.get("path").asText(), method);
        if (ex.path("websocket").asBoolean()) {
            WebSocket ws = proxy.client.newWebSocketBuilder().subprotocols("json").buildAsync(
                    URI.create(proxy.base.replace("https", "wss") + target), new WebSocket.Listener() { })
                    .get(10, TimeUnit.SECONDS);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            return status == 101 ? null : "upgraded, documented " + status;
        }
        List<String> headers = new ArrayList<>();
        String auth = ex.path("auth").asText();
        if ("basic".equals(auth)) {
            headers.addAll(List.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    ("admin:" + LOGIN).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        } else if (!auth.isEmpty()) {
            headers.addAll(List.of("Authorization", "Bearer " + ("admin".equals(auth) ? ADMIN : SECRET)));
        }
        String body = null;
        if (ex.has("body")) {
            body = ex.get("body").isTextual() ? fill(ex.get("body").asText(), method) : JSON.writeValueAsString(ex.get("body"));
            headers.addAll(List.of("Content-Type", ex.has("contentType") ? ex.get("contentType").asText() : "application/json"));
        }
        String m = ex.has("method") ? ex.get("method").asText() : method;
        HttpResponse<String> r = Https.send(proxy.client, m, proxy.base + target, body, headers.toArray(String[]::new));
        if (r.statusCode() != status) {
            return "got " + r.statusCode() + " (documented " + status + "): " + r.body();
        }
        JsonNode content = op.get("responses").get(String.valueOf(status)).get("content");
        if (content == null) {
            return null;
        }
        String type = content.fieldNames().next();
        String got = r.headers().firstValue("Content-Type").orElse("");
        if (!got.startsWith(type)) {
            return "Content-Type " + got + ", documented " + type;
        }
        if (!"application/json".equals(type)) {
            return null;
        }
        List<Error> errors = schema(content.get(type).get("schema")).validate(JSON.readTree(r.body()));
        return errors.isEmpty() ? null : errors + " in " + r.body();
    }

    /** The placeholders of the examples: this run's node addresses, an SDP, a live session's resource token. */
    private String fill(String text, String method) throws Exception {
        String out = text.replace("{node}", "127.0.0.1:" + node.port()).replace("{wsNode}", "127.0.0.1:" + wsNode.port())
                .replace("{sdp}", RecordingNode.OFFER);
        for (String kind : List.of("whip", "whep")) {
            if (out.contains("{" + kind + "Token}")) {
                HttpResponse<String> post = Https.send(proxy.client, "POST", proxy.base + "/as/v1/proxy/" + kind
                        + "/live/cam?host=127.0.0.1:" + node.port(), RecordingNode.OFFER, "Content-Type", "application/sdp");
                String location = post.headers().firstValue("Location").orElseThrow();
                out = out.replace("{" + kind + "Token}", location.substring(location.lastIndexOf('/') + 1));
            }
        }
        return out;
    }

    /** One response schema, with the document's components as its definitions. */
    private Schema schema(JsonNode schema) throws Exception {
        String text = JSON.writeValueAsString(schema).replace("#/components/schemas/", "#/$defs/");
        ObjectNode s = (ObjectNode) JSON.readTree(text);
        s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        s.set("$defs", JSON.readTree(JSON.writeValueAsString(doc.get("components").get("schemas"))
                .replace("#/components/schemas/", "#/$defs/")));
        return schemas.getSchema(s);
    }
}
