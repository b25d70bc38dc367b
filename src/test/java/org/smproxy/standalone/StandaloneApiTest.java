package org.smproxy.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.config.ProxyConfig;
import org.smproxy.testing.Https;

/**
 * Both API families over real HTTPS, good requests and bad ones, through each server adapter of the same proxy
 * (the servlet APIs on Tomcat, the Netty listener): both must answer with the same statuses, headers and bodies.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class StandaloneApiTest {
    static final String ADMIN = "admin-secret-0123456789abcdef";
    static final String JWT_SECRET = "admin-jwt-secret-0123456789abcdef";
    static final String NODES = "node-secret-0123456789abcdef";
    static final String CLUSTER = """
            {"nodeGroups":[
              {"name":"ng1","shuffleSizeExpression":"1","subGroups":[{"name":"usa","subGroups":[{"name":"us-east"},{"name":"us-west"}]},{"name":"eu-west"}]},
              {"name":"full","maxPublishers":0}],
             "nodes":[
              {"id":"o-east-busy","role":"origin","nodeGroup":"ng1","subGroup":"us-east","publicAddress":"198.51.100.1",
               "metrics":{"connections.client":700}},
              {"id":"o-east-idle","role":"origin","nodeGroup":"ng1","subGroup":"us-east","publicAddress":"198.51.100.2",
               "metrics":{"connections.client":100}},
              {"id":"o-eu","role":"origin","nodeGroup":"ng1","subGroup":"eu-west","publicAddress":"203.0.113.1",
               "metrics":{"connections.client":10}},
              {"id":"o-full","role":"origin","nodeGroup":"full","publicAddress":"203.0.113.9"}]}
            """;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static StandaloneServer server;
    static HttpClient client;
    static String tomcatBase;

    @Parameter
    String adapter;
    String base;

    @BeforeAll
    static void start() throws Exception {
        SelfSignedKeystore.Keystore ks = SelfSignedKeystore.obtain(dir.resolve("test.p12"));
        Files.writeString(dir.resolve("cluster.json"), CLUSTER);
        Properties p = new Properties();
        p.setProperty("cluster.file", dir.resolve("cluster.json").toString());
        p.setProperty("api.admin.token", ADMIN);
        p.setProperty("cluster.defaultNodeGroup", "ng1");
        p.setProperty("api.node.secret", NODES);
        // One loopback client for both adapters' runs, with wrong tokens on purpose: RateLimitTest has the limits.
        p.setProperty("proxy.rateLimit.enabled", "false");
        p.setProperty("api.admin.jwt.secret", JWT_SECRET);
        p.setProperty("api.admin.jwt.issuer", "https://idp.example");
        p.setProperty("api.admin.jwt.audience", "smproxy-admin");
        p.setProperty("standalone.bind", "127.0.0.1");
        p.setProperty("standalone.https.port", "0");
        p.setProperty("standalone.keystore.file", ks.file().toString());
        p.setProperty("standalone.keystore.password", ks.password());
        p.setProperty("standalone.server", "tomcat"); // the servlet adapter, with Netty beside it
        p.setProperty("standalone.netty.port", "0");
        server = StandaloneServer.start(ProxyConfig.fromProperties(p, dir));
        client = Https.trustingClient();
        tomcatBase = "https://127.0.0.1:" + server.httpsPort();
    }

    @BeforeEach
    void pickAdapter() {
        base = "netty".equals(adapter) ? "https://127.0.0.1:" + server.nettyPort() : tomcatBase;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return Https.send(client, "GET", base + path, null, headers);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private void heartbeat(String body) throws Exception {
        HttpResponse<String> r = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", body,
                "Authorization", "Bearer " + NODES, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void sm2PublishAnswersRed5sArrayWithTheLeastLoadedOriginOfTheRegion() throws Exception {
        HttpResponse<String> r = get("/as/v1/streams/stream/ng1/publish/live/cam1?subgroup=usa&strict=true");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode first = json(r).get(0);
        assertThat(first.get("serverAddress").asText()).isEqualTo("198.51.100.2");
        assertThat(first.get("streamGuid").asText()).isEqualTo("live/cam1");
        assertThat(first.get("nodeRole").asText()).isEqualTo("origin");
        assertThat(first.get("subGroup").asText()).isEqualTo("us-east");
        assertThat(first.get("nodeState").asText()).isEqualTo("INSERVICE");
        assertThat(first.get("subscribers").asInt()).isZero();
        JsonNode eu = json(get("/as/v1/streams/stream/ng1/publish/live/room1/cam1?region=eu-west"));
        assertThat(eu.get(0).get("serverAddress").asText()).isEqualTo("203.0.113.1");
        assertThat(json(get("/as/v1/streams/stream/ng1/publish/live/cam1?endpoints=3"))).hasSize(3);
    }

    @Test
    void sm1BroadcastAnswersOneObjectOrAnArray() throws Exception {
        HttpResponse<String> r = get("/streammanager/api/4.0/event/live/cam2?action=broadcast&region=us-east&strict=true");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode answer = json(r);
        assertThat(answer.get("name").asText()).isEqualTo("cam2");
        assertThat(answer.get("scope").asText()).isEqualTo("/live");
        assertThat(answer.get("serverAddress").asText()).isEqualTo("198.51.100.2");
        assertThat(answer.get("region").asText()).isEqualTo("us-east");
        assertThat(json(get("/streammanager/api/4.0/event/live/cam2?action=broadcast&endpoints=2")).isArray()).isTrue();
    }

    @Test
    void badRequestsGetAStatusAndAJsonReasonInEachFamilysDialect() throws Exception {
        HttpResponse<String> unknownGroup = get("/as/v1/streams/stream/nope/publish/live/x");
        assertThat(unknownGroup.statusCode()).isEqualTo(404);
        assertThat(json(unknownGroup).get("error").asText()).contains("'nope' not found");
        assertThat(get("/as/v1/streams/stream/ng1/publish/live/x?endpoints=0").statusCode()).isEqualTo(400);
        HttpResponse<String> notANumber = get("/as/v1/streams/stream/ng1/publish/live/x?endpoints=two");
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(json(notANumber).get("error").asText()).contains("'endpoints' must be a whole number");
        assertThat(get("/as/v1/streams/stream/ng1/publish/live/x?strict=maybe").statusCode()).isEqualTo(400);
        HttpResponse<String> malformed = get("/as/v1/streams/stream/ng1/publish/live/bad$name");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("error").asText()).contains("invalid segment");
        assertThat(get("/as/v1/streams/stream/ng1/publish/justonesegment").statusCode()).isEqualTo(400);
        assertThat(get("/as/v1/streams/stream/ng1/publish/live/" + "x".repeat(300)).statusCode()).isEqualTo(400);
        assertThat(get("/as/v1/streams/stream/ng1/subscribe/live/not-live").statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = Https.send(client, "POST", base + "/as/v1/streams/stream/ng1/publish/live/x", "");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
        HttpResponse<String> full = get("/as/v1/streams/stream/full/publish/live/x");
        assertThat(full.statusCode()).isEqualTo(503);
        assertThat(full.headers().firstValue("Retry-After")).isPresent();
        HttpResponse<String> sm1 = get("/streammanager/api/4.0/event/live/x?action=dance");
        assertThat(sm1.statusCode()).isEqualTo(400);
        JsonNode body = json(sm1);
        assertThat(body.get("errorMessage").asText()).contains("'action' must be broadcast or subscribe");
        assertThat(body.get("timestamp").asLong()).isPositive();
        assertThat(get("/streammanager/api/4.0/event/live/not-live?action=subscribe").statusCode()).isEqualTo(404);
    }

    @Test
    void heartbeatsPublishStreamsThatSubscribersAreThenSentToAnEdgeFor() throws Exception {
        String hb = "{\"id\":\"%s\",\"nodeGroup\":\"ng1\",\"role\":\"%s\",\"subGroup\":\"%s\",\"publicAddress\":\"%s\","
                + "\"httpPort\":5080,\"state\":\"INSERVICE\",\"metrics\":{\"connections.client\":%d},"
                + "\"streams\":[{\"streamGuid\":\"live/show\",\"publishing\":%s,\"subscribers\":%d}]}";
        try {
            heartbeat(String.format(hb, "hb-origin", "origin", "us-east", "192.0.2.10", 1, "true", 0));
            heartbeat(String.format(hb, "hb-edge-1", "edge", "us-east", "192.0.2.11", 300, "false", 300));
            heartbeat(String.format(hb, "hb-edge-2", "edge", "us-west", "192.0.2.12", 20, "false", 20));
            JsonNode edge = json(get("/as/v1/streams/stream/ng1/subscribe/live/show?subGroup=us-east"));
            assertThat(edge.get(0).get("serverAddress").asText()).isEqualTo("192.0.2.11");
            assertThat(edge.get(0).get("subscribers").asInt()).isEqualTo(300);
            JsonNode sm1 = json(get("/streammanager/api/4.0/event/live/show?action=subscribe"));
            assertThat(sm1.get("serverAddress").asText()).isEqualTo("192.0.2.12");
            HttpResponse<String> again = get("/as/v1/streams/stream/ng1/publish/live/show");
            assertThat(again.statusCode()).isEqualTo(409);
            JsonNode stats = json(get("/as/v1/streams/stream/ng1/stream/live/show?aggregate=true"));
            assertThat(stats.get(0).get("subscribers").asInt()).isEqualTo(320);
            assertThat(json(get("/as/v1/streams/stream/ng1")).size()).isGreaterThanOrEqualTo(3);
            assertThat(json(get("/streammanager/api/4.0/event/list")).size()).isGreaterThanOrEqualTo(3);
        } finally { // the nodes sign off, so the other adapter's run starts from the same cluster
            for (String id : new String[] {"hb-origin", "hb-edge-1", "hb-edge-2"}) {
                HttpResponse<String> gone = Https.send(client, "DELETE", base + "/as/v1/nodes/" + id, null,
                        "Authorization", "Bearer " + NODES);
                assertThat(gone.statusCode()).isEqualTo(204);
            }
        }
        assertThat(get("/as/v1/streams/stream/ng1/subscribe/live/show").statusCode()).isEqualTo(404);
    }

    @Test
    void heartbeatsCannotRegisterTheProxysOwnHostOrTheCloudsMetadataService() throws Exception {
        String hb = "{\"id\":\"rogue-%s\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"%s\","
                + "\"privateAddress\":\"%s\",\"httpPort\":22,\"state\":\"INSERVICE\"}";
        // A name that resolves to loopback is as bad as the address itself.
        String[] refused = {"127.0.0.1", "127.8.9.10", "localhost", "::1", "169.254.169.254", "0.0.0.0", "fe80::1", "fd00:ec2::254", "224.0.0.1",
            "100.100.100.200", "255.255.255.255"};
        for (String address : refused) {
            // one id per case: a node's heartbeats are rate-limited, and these are many
            for (String body : new String[] {String.format(hb, "p" + address, address, "192.0.2.50"),
                String.format(hb, "q" + address, "192.0.2.50", address)}) {
                HttpResponse<String> r = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", body,
                        "Authorization", "Bearer " + NODES, "Content-Type", "application/json");
                assertThat(r.statusCode()).as(address + ": " + r.body()).isEqualTo(403);
                assertThat(json(r).get("error").asText()).as(address).contains("'" + address + "'")
                        .contains("may not be registered").contains("api.node.allowedNetworks");
            }
        }
        HttpResponse<String> sm1 = Https.send(client, "POST", base + "/streammanager/api/4.0/nodes/heartbeat",
                String.format(hb, "sm1", "169.254.169.254", ""), "Authorization", "Bearer " + NODES, "Content-Type", "application/json");
        assertThat(sm1.statusCode()).isEqualTo(403);
        assertThat(json(sm1).get("errorMessage").asText()).contains("link-local");
        HttpResponse<String> unresolvable = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                String.format(hb, "dns", "no-such-node.invalid", ""), "Authorization", "Bearer " + NODES, "Content-Type", "application/json");
        assertThat(unresolvable.statusCode()).isEqualTo(400);
        assertThat(json(unresolvable).get("error").asText()).contains("does not resolve");
        HttpResponse<String> nodes = get("/as/v1/admin/nodes", "Authorization", "Bearer " + ADMIN);
        assertThat(nodes.body()).as("nothing refused was registered").doesNotContain("rogue");
    }

    @Test
    void aNodeTokenSpeaksForItsOwnNodeOnly() throws Exception {
        HttpResponse<String> issued = Https.send(client, "POST", base + "/as/v1/admin/nodes/tok-edge/token",
                "{\"nodeGroup\":\"ng1\",\"ttl\":\"30d\"}", "Authorization", "Bearer " + ADMIN,
                "Content-Type", "application/json");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        JsonNode t = json(issued);
        assertThat(t.get("nodeId").asText()).isEqualTo("tok-edge");
        assertThat(t.get("expiresAtMillis").asLong()).isGreaterThan(System.currentTimeMillis());
        String token = t.get("token").asText();
        String hb = "{\"id\":\"%s\",\"nodeGroup\":\"%s\",\"role\":\"edge\",\"publicAddress\":\"192.0.2.60\","
                + "\"httpPort\":5080,\"state\":\"INSERVICE\"}";
        try {
            HttpResponse<String> own = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                    String.format(hb, "tok-edge", "ng1"), "Authorization", "Bearer " + token, "Content-Type", "application/json");
            assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
            HttpResponse<String> other = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                    String.format(hb, "someone-else", "ng1"), "Authorization", "Bearer " + token, "Content-Type", "application/json");
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(json(other).get("error").asText()).contains("speaks for node 'tok-edge', not 'someone-else'");
            HttpResponse<String> group = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                    String.format(hb, "tok-edge", "full"), "Authorization", "Bearer " + token, "Content-Type", "application/json");
            assertThat(group.statusCode()).isEqualTo(403);
            assertThat(Https.send(client, "DELETE", base + "/as/v1/nodes/o-eu", null, "Authorization", "Bearer " + token)
                    .statusCode()).as("nor may it sign another node off").isEqualTo(403);
            HttpResponse<String> forged = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                    String.format(hb, "tok-edge", "ng1"), "Authorization", "Bearer " + token.substring(0, token.length() - 3) + "abc",
                    "Content-Type", "application/json");
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(Https.send(client, "POST", base + "/as/v1/admin/nodes/tok-edge/token", "{\"ttl\":\"soon\"}",
                    "Authorization", "Bearer " + ADMIN, "Content-Type", "application/json").statusCode()).isEqualTo(400);
            assertThat(Https.send(client, "POST", base + "/as/v1/admin/nodes/tok-edge/token", "",
                    "Authorization", "Bearer " + NODES).statusCode()).as("only the admin issues them").isEqualTo(401);
        } finally {
            assertThat(Https.send(client, "DELETE", base + "/as/v1/nodes/tok-edge", null, "Authorization", "Bearer " + token)
                    .statusCode()).as("a node signs itself off with its own token").isEqualTo(204);
        }
    }

    @Test
    void anOperatorRevokesALeakedNodeTokenAtRunTimeAndTheOthersKeepWorking() throws Exception {
        String hb = "{\"id\":\"%s\",\"nodeGroup\":\"ng1\",\"role\":\"edge\",\"publicAddress\":\"192.0.2.%s\","
                + "\"httpPort\":5080,\"state\":\"INSERVICE\"}";
        JsonNode leaked = json(Https.send(client, "POST", base + "/as/v1/admin/nodes/rev-a/token", "",
                "Authorization", "Bearer " + ADMIN));
        JsonNode kept = json(Https.send(client, "POST", base + "/as/v1/admin/nodes/rev-b/token", "",
                "Authorization", "Bearer " + ADMIN));
        try {
            assertThat(Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", String.format(hb, "rev-a", "61"),
                    "Authorization", "Bearer " + leaked.get("token").asText(), "Content-Type", "application/json")
                    .statusCode()).isEqualTo(200);
            String id = leaked.get("tokenId").asText();
            HttpResponse<String> revoke = Https.send(client, "DELETE", base + "/as/v1/admin/tokens/" + id, null,
                    "Authorization", "Bearer " + ADMIN);
            assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);
            assertThat(json(revoke).get("tokenId").asText()).isEqualTo(id);
            HttpResponse<String> refused = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat",
                    String.format(hb, "rev-a", "61"), "Authorization", "Bearer " + leaked.get("token").asText(),
                    "Content-Type", "application/json");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(json(refused).get("error").asText()).contains("revoked by an operator");
            assertThat(Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", String.format(hb, "rev-b", "62"),
                    "Authorization", "Bearer " + kept.get("token").asText(), "Content-Type", "application/json")
                    .statusCode()).as("the other node's token is untouched").isEqualTo(200);
            HttpResponse<String> list = get("/as/v1/admin/tokens", "Authorization", "Bearer " + ADMIN);
            assertThat(json(list).get("revoked").toString()).contains(id);
            assertThat(Https.send(client, "DELETE", base + "/as/v1/admin/tokens/" + id, null,
                    "Authorization", "Bearer " + ADMIN).statusCode()).as("again: the same answer").isEqualTo(200);
            assertThat(Https.send(client, "DELETE", base + "/as/v1/admin/tokens/not%20one", null,
                    "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(400);
            assertThat(Https.send(client, "DELETE", base + "/as/v1/admin/tokens/" + id, null,
                    "Authorization", "Bearer " + NODES).statusCode()).as("only the admin revokes").isEqualTo(401);
        } finally {
            Https.send(client, "DELETE", base + "/as/v1/admin/nodes/rev-a", null, "Authorization", "Bearer " + ADMIN);
            Https.send(client, "DELETE", base + "/as/v1/admin/nodes/rev-b", null, "Authorization", "Bearer " + ADMIN);
        }
    }

    @Test
    void theAdminApiTakesTheOperatorsJwtBesideItsToken() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        com.auth0.jwt.algorithms.Algorithm key = com.auth0.jwt.algorithms.Algorithm.HMAC256(JWT_SECRET);
        String good = com.auth0.jwt.JWT.create().withIssuer("https://idp.example").withAudience("smproxy-admin")
                .withExpiresAt(now.plusSeconds(300)).sign(key);
        String stale = com.auth0.jwt.JWT.create().withIssuer("https://idp.example").withAudience("smproxy-admin")
                .withExpiresAt(now.minusSeconds(300)).sign(key);
        assertThat(get("/as/v1/admin/nodes", "Authorization", "Bearer " + good).statusCode()).isEqualTo(200);
        assertThat(get("/streammanager/api/4.0/admin/nodes", "Authorization", "Bearer " + good).statusCode()).isEqualTo(200);
        HttpResponse<String> expired = get("/as/v1/admin/nodes", "Authorization", "Bearer " + stale);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(json(expired).get("error").asText()).contains("expired");
        assertThat(get("/as/v1/admin/nodes", "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void adminAndNodeApisAreClosedWithoutTheirTokens() throws Exception {
        assertThat(get("/as/v1/admin/nodes").statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = get("/as/v1/admin/nodes", "Authorization", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).get("error").asText()).contains("not valid");
        assertThat(get("/as/v1/admin/nodes", "Authorization", "Bearer " + NODES).statusCode()).isEqualTo(401);
        HttpResponse<String> hb = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", "{}");
        assertThat(hb.statusCode()).isEqualTo(401);
        assertThat(get("/streammanager/api/4.0/admin/nodes?accessToken=" + ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void anOperatorDrainsANodeAndSelectionStopsChoosingIt() throws Exception {
        String auth = "Bearer " + ADMIN;
        HttpResponse<String> drained = Https.send(client, "PUT", base + "/as/v1/admin/nodes/o-eu/state",
                "{\"state\":\"SOFT_SUNSET\"}", "Authorization", auth, "Content-Type", "application/json");
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
        assertThat(json(drained).get("state").asText()).isEqualTo("SOFT_SUNSET");
        try {
            assertThat(get("/as/v1/streams/stream/ng1/publish/live/y?region=eu-west&strict=true").statusCode()).isEqualTo(404);
            JsonNode nodes = json(get("/as/v1/admin/nodes?nodeGroup=ng1&state=SOFT_SUNSET", "Authorization", auth));
            assertThat(nodes).hasSize(1);
            assertThat(nodes.get(0).get("id").asText()).isEqualTo("o-eu");
            HttpResponse<String> bad = Https.send(client, "PUT", base + "/as/v1/admin/nodes/o-eu/state",
                    "{\"state\":\"ASLEEP\"}", "Authorization", auth);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(get("/as/v1/admin/nodes/ghost", "Authorization", auth).statusCode()).isEqualTo(404);
        } finally {
            HttpResponse<String> cleared = Https.send(client, "DELETE", base + "/as/v1/admin/nodes/o-eu/state", null,
                    "Authorization", auth);
            assertThat(cleared.statusCode()).isEqualTo(200);
        }
        assertThat(get("/as/v1/streams/stream/ng1/publish/live/y?region=eu-west&strict=true").statusCode()).isEqualTo(200);
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        JsonNode health = json(get("/as/v1/health"));
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.get("nodeGroups").get("ng1").get("inServiceNodes").asInt()).isGreaterThanOrEqualTo(3);
        HttpResponse<String> metrics = get("/as/v1/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("smproxy_cluster_nodes_inservice{nodeGroup=\"ng1\"}");
    }

    @Test
    void unknownPathsOversizedBodiesAndHeadAreAnsweredAlike() throws Exception {
        HttpResponse<String> unknown = get("/as/v1/nothing-here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).contains("no such resource");
        assertThat(get("/streammanager/api/4.0/nothing").statusCode()).isEqualTo(404);
        HttpResponse<String> big = Https.send(client, "PUT", base + "/as/v1/admin/nodes/o-eu/state",
                "{\"state\":\"" + "x".repeat(5000) + "\"}", "Authorization", "Bearer " + ADMIN,
                "Content-Type", "application/json");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(json(big).get("error").asText()).contains("larger than 4096 bytes");
        HttpResponse<String> notJson = Https.send(client, "PUT", base + "/as/v1/admin/nodes/o-eu/state", "{state",
                "Authorization", "Bearer " + ADMIN, "Content-Type", "application/json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).get("error").asText()).contains("invalid JSON");
        HttpResponse<String> head = Https.send(client, "HEAD", base + "/as/v1/health", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length").map(Integer::parseInt)).hasValueSatisfying(
                n -> assertThat(n).isPositive());
        HttpResponse<String> sm1Wrong = Https.send(client, "DELETE", base + "/streammanager/api/4.0/event/live/x", null);
        assertThat(sm1Wrong.statusCode()).isEqualTo(405);
        assertThat(json(sm1Wrong).get("errorMessage").asText()).contains("DELETE is not allowed");
    }
}
