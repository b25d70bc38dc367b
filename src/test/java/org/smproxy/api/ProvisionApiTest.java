package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
 * SM 2.0 provisions on a real socket, with Red5's statuses, and what they change: transcoding selection through the
 * streams API, the SM 1.x event API and the WHIP relay, against a stand-in transcoder and origin. Run through each
 * server adapter (the servlet path on Tomcat, the Netty listener), each on a fresh proxy.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class ProvisionApiTest {
    static final String ADMIN = "provision-admin-0123456789";
    static final String SECRET = "provision-nodes-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    /** Red5's testbed provision: three renditions, and a field the API does not know. */
    static final String TESTBED = """
            [{"provisionGuid":"live/test","messageType":"ProvisionCommand","streams":[
              {"streamGuid":"live/test_1","abrLevel":1,"videoParams":{"videoWidth":1280,"videoHeight":720,"videoBitRate":2000000}},
              {"streamGuid":"live/test_2","abrLevel":2,"videoParams":{"videoWidth":640,"videoHeight":360,"videoBitRate":1000000}},
              {"streamGuid":"live/test_3","abrLevel":3,"videoParams":{"videoWidth":320,"videoHeight":180,"videoBitRate":500000}}]}]""";

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static HttpClient http;
    static String base;
    static RecordingNode transcoder;
    static RecordingNode origin;

    @Parameter
    String adapter;

    @BeforeParameterizedClassInvocation
    static void start(String adapter) throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve(adapter)),
                "{\"nodeGroups\":[{\"name\":\"ng1\",\"shuffleSizeExpression\":\"1\"},{\"name\":\"ng2\"}]}",
                Map.of("cluster.heartbeat.timeout", "10m", "cluster.defaultNodeGroup", "ng1", "api.admin.token", ADMIN,
                        "api.node.secret", SECRET, "standalone.server", "tomcat", "standalone.netty.port", "0"));
        http = proxy.client;
        base = "netty".equals(adapter) ? "https://127.0.0.1:" + proxy.server.nettyPort() : proxy.base;
        transcoder = new RecordingNode();
        origin = new RecordingNode();
        heartbeat("tc", "ng1", "transcoder", "127.0.0.1", transcoder.port(), "[]");
        heartbeat("or", "ng1", "origin", "127.0.0.1", origin.port(), "[]");
        heartbeat("e1", "ng1", "edge", "198.51.100.21", 5080,
                "[{\"streamGuid\":\"live/show_1\"},{\"streamGuid\":\"live/show_2\"}]");
        heartbeat("o2", "ng2", "origin", "198.51.100.22", 5080, "[]");
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {transcoder, origin, proxy}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next invocation starts fresh ones
            }
        }
    }

    @BeforeEach
    void clear() {
        transcoder.clear();
        origin.clear();
    }

    static void heartbeat(String id, String group, String role, String address, int port, String streams) throws Exception {
        proxy.heartbeat(SECRET, "{\"id\":\"" + id + "\",\"nodeGroup\":\"" + group + "\",\"role\":\"" + role
                + "\",\"publicAddress\":\"" + address + "\",\"httpPort\":" + port + ",\"state\":\"INSERVICE\",\"streams\":"
                + streams + "}");
    }

    static HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        List<String> headers = new ArrayList<>(List.of("Content-Type", "application/json"));
        if (token != null) {
            headers.addAll(List.of("Authorization", "Bearer " + token));
        }
        return Https.send(http, method, base + path, body, headers.toArray(String[]::new));
    }

    static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, ADMIN);
    }

    static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    static String error(HttpResponse<String> r, int status) throws Exception {
        return json(r, status).get("error").asText();
    }

    static String address(RecordingNode node) {
        return "127.0.0.1:" + node.port();
    }

    static String provision(String guid, String... streams) {
        StringBuilder s = new StringBuilder("[{\"provisionGuid\":\"" + guid + "\",\"streams\":[");
        for (int i = 0; i < streams.length; i++) {
            s.append(i == 0 ? "" : ",").append("{\"streamGuid\":\"").append(streams[i])
                    .append("\",\"videoParams\":{\"videoWidth\":640,\"videoHeight\":360,\"videoBitRate\":1000000}}");
        }
        return s.append("]}]").toString();
    }

    @Test
    void theTestbedsProvisionIsCreatedReadListedUpdatedAndDeletedWithRed5sStatuses() throws Exception {
        assertThat(json(admin("POST", "/as/v1/streams/provision/ng1", TESTBED), 201).get("result").asText())
                .isEqualTo("CREATED");
        JsonNode stored = json(admin("GET", "/as/v1/streams/provision/ng1/live/test", null), 200);
        assertThat(stored.get("provisionGuid").asText()).isEqualTo("live/test");
        assertThat(stored.has("messageType")).isFalse();
        assertThat(stored.get("streams")).hasSize(3);
        assertThat(stored.get("streams").get(1).toString()).isEqualTo("{\"streamGuid\":\"live/test_2\",\"abrLevel\":2,"
                + "\"videoParams\":{\"videoWidth\":640,\"videoHeight\":360,\"videoBitRate\":1000000}}");
        assertThat(json(admin("GET", "/as/v1/streams/provision/ng1", null), 200).findValuesAsText("provisionGuid"))
                .contains("live/test");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", TESTBED), 409)).contains("Provision already exists");

        String fewer = TESTBED.replaceAll(",\\s*\\{\"streamGuid\":\"live/test_3\"[^\\]]*", "");
        assertThat(json(admin("PUT", "/as/v1/streams/provision/ng1", fewer), 200).get("result").asText()).isEqualTo("UPDATED");
        assertThat(json(admin("GET", "/as/v1/streams/provision/ng1/live/test", null), 200).get("streams")).hasSize(2);

        assertThat(admin("DELETE", "/as/v1/streams/provision/ng1/live/test", null).statusCode()).isEqualTo(204);
        assertThat(error(admin("GET", "/as/v1/streams/provision/ng1/live/test", null), 404)).contains("live/test");
        assertThat(error(admin("DELETE", "/as/v1/streams/provision/ng1/live/test", null), 404)).contains("not found");
        assertThat(error(admin("PUT", "/as/v1/streams/provision/ng1", fewer), 404)).contains("live/test");
    }

    @Test
    void everyCallNeedsTheAdminToken() throws Exception {
        for (String[] call : new String[][] {{"POST", ""}, {"PUT", ""}, {"GET", ""}, {"GET", "/live/any"},
                {"DELETE", "/live/any"}, {"POST", "/distribute/live/any"}}) {
            HttpResponse<String> none = send(call[0], "/as/v1/streams/provision/ng1" + call[1], TESTBED, null);
            assertThat(error(none, 401)).as(call[0] + call[1]).contains("token");
            assertThat(error(send(call[0], "/as/v1/streams/provision/ng1" + call[1], TESTBED, "wrong-token"), 401))
                    .contains("not valid");
        }
        assertThat(admin("GET", "/as/v1/streams/provision/ng1/live/test_1", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aFieldOutOfRedsRulesIsA400NamingIt() throws Exception {
        String stream = "{\"streamGuid\":\"live/bad_1\",%s}";
        Map<String, String> cases = Map.ofEntries(
                Map.entry("[0].streams[0].videoParams.videoWidth", "\"videoParams\":{\"videoWidth\":7681}"),
                Map.entry("[0].streams[0].videoParams.videoHeight", "\"videoParams\":{\"videoHeight\":1}"),
                Map.entry("[0].streams[0].videoParams.videoBitRate", "\"videoParams\":{\"videoBitRate\":99}"),
                Map.entry("[0].streams[0].videoParams.videoQpMax", "\"videoParams\":{\"videoQpMax\":64}"),
                Map.entry("[0].streams[0].videoParams.videoKey", "\"videoParams\":{\"videoKey\":0}"),
                Map.entry("[0].streams[0].videoParams.videoProfile", "\"videoParams\":{\"videoProfile\":\"ultra\"}"),
                Map.entry("[0].streams[0].abrLevel", "\"abrLevel\":-1"),
                Map.entry("[0].streams[0].groupParams.group", "\"groupParams\":{\"group\":\"abc\"}"),
                Map.entry("[0].streams[0].groupParams.audioTracks", "\"groupParams\":{\"audioTracks\":4}"),
                Map.entry("[0].streams[0].camParams.properties.type", "\"camParams\":{\"properties\":{\"type\":1}}"),
                Map.entry("[0].streams[0].qos", "\"qos\":\"high\""));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String body = "[{\"provisionGuid\":\"live/bad\",\"streams\":[" + String.format(stream, c.getValue()) + "]}]";
            assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", body), 400)).as(c.getValue())
                    .startsWith(c.getKey() + ":");
        }
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", "{\"provisionGuid\":\"live/bad\"}"), 400))
                .contains("JSON array");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", "[{\"streams\":[]}]"), 400))
                .contains("[0].provisionGuid is required");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", "[{\"provisionGuid\":\"live/../x\"}]"), 400))
                .startsWith("[0].provisionGuid:");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", provision("live/bad", "live/ok", "nope")), 400))
                .startsWith("[0].streams[1].streamGuid:");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", "[{\"provisionGuid\":\"live/a\"},"
                + "{\"provisionGuid\":\"live/a\"}]"), 400)).startsWith("[1].provisionGuid:");
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= ProvisionBody.MAX_PROVISIONS; i++) {
            tooMany.add("{\"provisionGuid\":\"live/n" + i + "\"}");
        }
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", tooMany.toString()), 400))
                .startsWith("provisions: " + tooMany.size());
        String[] many = new String[ProvisionBody.MAX_STREAMS + 1];
        Arrays.setAll(many, i -> "live/many_" + i);
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", provision("live/many", many)), 400))
                .startsWith("[0].streams:");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1", "[{\"provisionGuid\":"), 400)).contains("invalid JSON");
        assertThat(admin("GET", "/as/v1/streams/provision/ng1/live/bad", null).statusCode()).isEqualTo(404);
    }

    @Test
    void anUnknownNodeGroupIsA404() throws Exception {
        assertThat(error(admin("POST", "/as/v1/streams/provision/nope", TESTBED), 404)).contains("nope");
        assertThat(error(admin("GET", "/as/v1/streams/provision/nope/live/test", null), 404)).contains("nope");
        assertThat(error(admin("PATCH", "/as/v1/streams/provision/ng1", TESTBED), 405)).contains("GET, POST, PUT");
    }

    @Test
    void olderAndRicherBodiesAreTakenAndWhatIsDocumentedIsKept() throws Exception {
        String body = """
                [{"streamGuid":"live/legacy","messageType":"ProvisionCommand","unknown":{"x":1}},
                 {"provisionGuid":"live/room1/deep","capabilities":["transcode"],
                  "credentials":{"username":"u","password":"p","token":"t","extra":"dropped"},
                  "streams":[{"streamGuid":"live/room1/deep_1","qos":3,"destUri":"rtmp://example.net/live/x",
                    "audioParams":{"audioBitRate":128000},"groupParams":{"group":"grp1","audioTracks":2,"videoTracks":1},
                    "camParams":{"properties":{"type":"rtmp-push","persist":"true"}},"cloudParams":{"bucket":"b"},
                    "videoParams":{"videoWidth":1920,"videoHeight":1080,"videoBitRate":4000000,"videoProfile":"high",
                      "videoEncMode":"cbr"},"ignored":true}]},
                 {"provisionGuid":"solo"}]""";
        assertThat(admin("POST", "/as/v1/streams/provision/ng1", body).statusCode()).isEqualTo(201);
        JsonNode legacy = json(admin("GET", "/as/v1/streams/provision/ng1/live/legacy", null), 200);
        assertThat(legacy.toString()).isEqualTo("{\"provisionGuid\":\"live/legacy\",\"streams\":[]}");
        JsonNode deep = json(admin("GET", "/as/v1/streams/provision/ng1/live/room1/deep", null), 200);
        assertThat(deep.get("capabilities").toString()).isEqualTo("[\"TRANSCODE\"]");
        assertThat(deep.get("credentials").toString()).isEqualTo("{\"username\":\"u\",\"password\":\"p\",\"token\":\"t\"}");
        JsonNode s = deep.get("streams").get(0);
        assertThat(s.get("abrLevel").asInt()).isEqualTo(1);
        assertThat(s.get("qos").asInt()).isEqualTo(3);
        assertThat(s.get("destUri").asText()).isEqualTo("rtmp://example.net/live/x");
        assertThat(s.get("camParams").get("properties").get("type").asText()).isEqualTo("rtmp-push");
        assertThat(s.get("groupParams").get("group").asText()).isEqualTo("grp1");
        assertThat(s.get("audioParams").get("audioBitRate").asInt()).isEqualTo(128000);
        assertThat(s.get("cloudParams").get("bucket").asText()).isEqualTo("b");
        assertThat(s.get("videoParams").get("videoEncMode").asText()).isEqualTo("cbr");
        assertThat(s.has("ignored")).isFalse();
        assertThat(admin("GET", "/as/v1/streams/provision/ng1/solo", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/as/v1/streams/provision/ng2/solo", null).statusCode()).as("per node group").isEqualTo(404);
    }

    @Test
    void distributeAnswersTheTranscoderFirstThenItsOrigin() throws Exception {
        assertThat(admin("POST", "/as/v1/streams/provision/ng1", provision("live/dist", "live/dist_1", "live/dist_2"))
                .statusCode()).isEqualTo(201);
        JsonNode nodes = json(admin("POST", "/as/v1/streams/provision/ng1/distribute/live/dist?endpoints=1", null), 200);
        assertThat(nodes.findValuesAsText("nodeRole")).containsExactly("transcoder", "origin");
        assertThat(nodes.findValuesAsText("serverAddress")).containsExactly(address(transcoder), address(origin));
        assertThat(nodes.get(0).get("streamGuid").asText()).isEqualTo("live/dist");
        JsonNode publishOnly = json(admin("POST", "/as/v1/streams/provision/ng1/distribute/live/dist?capabilities=PUBLISH",
                null), 200);
        assertThat(publishOnly.findValuesAsText("nodeRole")).containsExactly("origin");
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng1/distribute/live/none", null), 404)).contains("live/none");
        assertThat(admin("POST", "/as/v1/streams/provision/ng2", provision("live/dist", "live/dist_1")).statusCode())
                .isEqualTo(201);
        assertThat(error(admin("POST", "/as/v1/streams/provision/ng2/distribute/live/dist", null), 404))
                .as("no transcoder in ng2").contains("TRANSCODE");
        assertThat(transcoder.seen()).as("nothing is pushed to nodes").isEmpty();
    }

    @Test
    void publishingWithTranscodeNeedsAProvisionNamingTheStream() throws Exception {
        String publish = "/as/v1/streams/stream/ng1/publish/live/abr_1?transcode=true";
        assertThat(error(send("GET", publish, null, null), 404)).contains("no provision");
        assertThat(admin("POST", "/as/v1/streams/provision/ng1", provision("live/abr", "live/abr_1", "live/abr_2"))
                .statusCode()).isEqualTo(201);
        JsonNode nodes = json(send("GET", publish, null, null), 200);
        assertThat(nodes.findValuesAsText("serverAddress")).containsExactly(address(transcoder), address(origin));
        assertThat(nodes.findValuesAsText("nodeRole")).containsExactly("transcoder", "origin");
        assertThat(json(send("GET", "/as/v1/streams/stream/ng1/publish/live/abr?transcode=true", null, null), 200))
                .as("the provisionGuid itself").hasSize(2);
        assertThat(error(send("GET", "/as/v1/streams/stream/ng1/publish/live/abr_9?transcode=true", null, null), 404))
                .contains("live/abr_9");
        assertThat(json(send("GET", "/as/v1/streams/stream/ng1/publish/live/abr_9", null, null), 200)
                .findValuesAsText("nodeRole")).containsExactly("origin");
        // SM 1.x: an origin for a stream no provision names, the transcoder for one
        assertThat(json(send("GET", "/streammanager/api/4.0/event/live/plain?action=broadcast&transcode=true", null,
                null), 200).get("serverAddress").asText()).isEqualTo(address(origin));
        assertThat(json(send("GET", "/streammanager/api/4.0/event/live/abr_2?action=broadcast&transcode=true", null,
                null), 200).get("serverAddress").asText()).isEqualTo(address(transcoder));
    }

    @Test
    void aRenditionIsPlayedFromTheEdgesCarryingIt() throws Exception {
        JsonNode edges = json(send("GET", "/as/v1/streams/stream/ng1/subscribe/live/show_2", null, null), 200);
        assertThat(edges.findValuesAsText("serverAddress")).containsExactly("198.51.100.21");
        assertThat(error(send("GET", "/as/v1/streams/stream/ng1/subscribe/live/show_3", null, null), 404)).contains("show_3");
    }

    @Test
    void aWhipPublishWithTranscodeReachesTheTranscoderAndSessionHostNamesIt() throws Exception {
        String endpoint = "/as/v1/proxy/whip/live/whipabr_1";
        HttpResponse<String> refused = send("OPTIONS", endpoint + "?signal=true&nodeGroup=ng1&transcode=true", null, null);
        assertThat(error(refused, 404)).contains("no provision");
        assertThat(transcoder.seen()).isEmpty();
        assertThat(origin.seen()).isEmpty();

        assertThat(admin("POST", "/as/v1/streams/provision/ng1", provision("live/whipabr", "live/whipabr_1",
                "live/whipabr_2")).statusCode()).isEqualTo(201);
        HttpResponse<String> options = send("OPTIONS", endpoint + "?signal=true&nodeGroup=ng1&transcode=true", null, null);
        assertThat(options.statusCode()).as(options.body()).isEqualTo(204);
        String sessionHost = options.headers().firstValue("Session-Host").orElseThrow();
        assertThat(sessionHost).isEqualTo(address(transcoder));
        assertThat(transcoder.last().path()).isEqualTo("/live/whip/endpoint/whipabr_1");
        assertThat(transcoder.last().query()).isEqualTo("signal=true");

        // as the SDK sends it: transcode stripped, host= the OPTIONS' Session-Host
        HttpResponse<String> post = Https.send(http, "POST", base + endpoint + "?signal=true&nodeGroup=ng1&mode=live"
                + "&keyFramerate=3000&host=" + sessionHost, RecordingNode.OFFER, "Content-Type", "application/sdp");
        assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
        assertThat(post.headers().firstValue("Session-Host")).hasValue(address(transcoder));
        assertThat(transcoder.last().method()).isEqualTo("POST");
        // and a client that keeps transcode=true on its POST, without host=
        HttpResponse<String> selected = Https.send(http, "POST", base + endpoint + "?nodeGroup=ng1&transcode=true",
                RecordingNode.OFFER, "Content-Type", "application/sdp");
        assertThat(selected.statusCode()).as(selected.body()).isEqualTo(201);
        assertThat(selected.headers().firstValue("Session-Host")).hasValue(address(transcoder));
        assertThat(origin.seen()).isEmpty();
    }
}
