package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * Red5's control APIs from a page on another origin in Chromium, called as Red5's testbed pages call them: a
 * credentialed {@code fetch} (which a literal {@code Access-Control-Allow-Origin: *} fails) logs in with Basic
 * credentials, then uses the token to provision, publish with transcoding and forward. An origin the proxy does not
 * allow gets nothing a page can read. The transcoder and origin are heartbeat-registered stand-ins answering as Red5
 * does; the WHIP signalling is the browser's own, its media is not the point here.
 */
@Timeout(120)
class BrowserControlApiIT {
    static final String PASSWORD = "browser-login-password-0123456789";

    @TempDir
    static Path dir;
    static PageServer pages;
    static TestProxy proxy;
    static Browser browser;
    static RecordingNode transcoder;
    static RecordingNode origin;
    static final String NODE_SECRET = "browser-control-nodes-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    static void heartbeat(String id, String role, RecordingNode node) throws Exception {
        proxy.heartbeat(NODE_SECRET, "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"" + role
                + "\",\"publicAddress\":\"127.0.0.1\",\"httpPort\":" + node.port() + ",\"state\":\"INSERVICE\"}");
    }

    @BeforeAll
    static void start() throws Exception {
        pages = new PageServer(dir, null);
        URI page = pages.https("sm-control.html");
        String allowed = page.getScheme() + "://" + page.getAuthority();
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "api.auth.admin.password", PASSWORD,
                "api.auth.jwt.secret", "browser-login-secret-0123456789ab",
                "api.node.secret", NODE_SECRET,
                "cluster.heartbeat.timeout", "10m",
                "proxy.cors.allowedOrigins", allowed));
        // Stand-ins until the simulated transcoder lands: Red5's WHIP answers, and an origin's VOD listing.
        transcoder = new RecordingNode();
        transcoder.behave(RecordingNode::red5);
        origin = new RecordingNode();
        origin.behave(s -> "GET".equals(s.method()) && "/live/playlists".equals(s.path())
                ? new RecordingNode.Answer(200, Map.of("Content-Type", "application/json"),
                        "{\"playlists\":[{\"name\":\"abr-recorded.m3u8\",\"lastModified\":1796688000000}]}")
                : RecordingNode.red5(s));
        heartbeat("transcoder-1", "transcoder", transcoder);
        heartbeat("origin-1", "origin", origin);
        browser = Browser.start(Files.createDirectories(dir.resolve("browser")));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        for (RecordingNode n : new RecordingNode[] {transcoder, origin}) {
            if (n != null) {
                n.close();
            }
        }
        if (pages != null) {
            pages.close();
        }
    }

    @Test
    void aPageOnAnotherOriginLogsInWithCredentialedFetchAndUsesItsToken() {
        Page page = browser.open(pages.https("sm-control.html"));
        try {
            Map<String, Object> login = page.call("smLogin", proxy.base, "admin", PASSWORD);
            assertThat(login).as("the browser read the answer: " + login).containsEntry("status", 200L);
            String token = (String) ((Map<?, ?>) login.get("body")).get("token");
            assertThat(token).startsWith("eyJ");
            Map<String, Object> nodes = page.call("smCall", "GET", proxy.base + "/as/v1/admin/nodes", token, null);
            assertThat(nodes).as(String.valueOf(nodes)).containsEntry("status", 200L);
            assertThat(nodes.get("body")).isInstanceOf(List.class);
            // a refusal reaches the page too, with its reason
            Map<String, Object> wrong = page.call("smLogin", proxy.base, "admin", "not-the-password");
            assertThat(wrong).containsEntry("status", 401L);
            assertThat(((Map<?, ?>) wrong.get("body")).get("error")).isNotNull();
        } finally {
            page.close();
        }
    }

    /**
     * Issue 26's whole path, as Red5's transcoder pages walk it: log in, provision three renditions, publish the first
     * with {@code transcode=true} through the proxy (to the transcoder, which Session-Host names), and forward a
     * request to a node's API.
     */
    @Test
    void aPageLogsInProvisionsRenditionsPublishesToTheTranscoderAndForwardsToANode() throws Exception {
        Page page = browser.open(pages.https("sm-control.html"));
        try {
            Map<String, Object> login = page.call("smLogin", proxy.base, "admin", PASSWORD);
            String token = (String) ((Map<?, ?>) login.get("body")).get("token");
            // the testbed's body, messageType and all
            List<Map<String, Object>> provision = List.of(Map.of("provisionGuid", "live/abr",
                    "messageType", "ProvisionCommand", "streams", List.of(
                            rendition("live/abr_1", 1, 1280, 720, 2_000_000),
                            rendition("live/abr_2", 2, 640, 360, 1_000_000),
                            rendition("live/abr_3", 3, 320, 180, 500_000))));
            Map<String, Object> created = page.call("smCall", "POST", proxy.base + "/as/v1/streams/provision/ng1", token,
                    provision);
            assertThat(created).as(String.valueOf(created)).containsEntry("status", 201L);
            Map<String, Object> read = page.call("smCall", "GET", proxy.base + "/as/v1/streams/provision/ng1/live/abr",
                    token, null);
            assertThat(read).as(String.valueOf(read)).containsEntry("status", 200L);
            assertThat(JSON.valueToTree(read.get("body")).path("streams").size()).isEqualTo(3);

            Map<String, Object> chosen = page.call("smCall", "GET",
                    proxy.base + "/as/v1/streams/stream/ng1/publish/live/abr_1?transcode=true", token, null);
            assertThat(chosen).as(String.valueOf(chosen)).containsEntry("status", 200L);
            assertThat(JSON.valueToTree(chosen.get("body")).findValuesAsText("nodeRole"))
                    .as("the transcoder first, then the origin it feeds").containsExactly("transcoder", "origin");

            Map<String, Object> whip = page.call("smWhipSignal",
                    proxy.base + "/as/v1/proxy/whip/live/abr_1?nodeGroup=ng1&transcode=true");
            assertThat(whip).as(String.valueOf(whip)).doesNotContainKey("error");
            String transcoderAddress = "127.0.0.1:" + transcoder.port();
            JsonNode signalled = JSON.valueToTree(whip);
            assertThat(signalled.path("options").path("status").asInt()).isEqualTo(204);
            assertThat(signalled.path("options").path("sessionHost").asText()).isEqualTo(transcoderAddress);
            assertThat(signalled.path("post").path("status").asInt()).isEqualTo(201);
            assertThat(signalled.path("post").path("sessionHost").asText()).isEqualTo(transcoderAddress);
            assertThat(transcoder.seen()).anySatisfy(seen -> {
                assertThat(seen.method()).isEqualTo("POST");
                assertThat(seen.path()).isEqualTo("/live/whip/endpoint/abr_1");
                assertThat(seen.body()).startsWith("v=0");
            });
            assertThat(origin.seen()).noneSatisfy(seen -> assertThat(seen.method()).isEqualTo("POST"));

            String target = java.net.URLEncoder.encode("http://127.0.0.1:" + origin.port() + "/live/playlists",
                    java.nio.charset.StandardCharsets.UTF_8);
            Map<String, Object> forwarded = page.call("smCall", "GET", proxy.base + "/as/v1/proxy/forward/?target=" + target,
                    token, null);
            assertThat(forwarded).as(String.valueOf(forwarded)).containsEntry("status", 200L);
            assertThat(JSON.valueToTree(forwarded.get("body")).path("playlists").get(0).path("name").asText())
                    .isEqualTo("abr-recorded.m3u8");
            assertThat(origin.last().header("Authorization")).as("the page's token stays with the proxy").isNull();
        } finally {
            page.close();
        }
    }

    static Map<String, Object> rendition(String guid, int level, int width, int height, int bitrate) {
        return Map.of("streamGuid", guid, "abrLevel", level, "videoParams",
                Map.of("videoWidth", width, "videoHeight", height, "videoBitRate", bitrate));
    }

    @Test
    void anOriginTheProxyDoesNotAllowReadsNothing() {
        // the same page from the page server's plain-HTTP port: another origin, not in proxy.cors.allowedOrigins
        Page page = browser.open(pages.http("sm-control.html"));
        try {
            Map<String, Object> login = page.call("smLogin", proxy.base, "admin", PASSWORD);
            assertThat(login).as("the browser withholds the answer").containsKey("error").doesNotContainKey("status");
        } finally {
            page.close();
        }
    }
}
