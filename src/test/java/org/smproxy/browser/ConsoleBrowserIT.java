package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * The admin console in headless Chromium, as an operator uses it: a wrong token is refused, the right one shows the
 * cluster's three nodes, its stream and a relayed WebSocket session; draining an edge from the page stops the
 * streams API choosing it; kicking the session from the page closes it; and when the proxy goes away the page says
 * so. All under the page's Content-Security-Policy (no inline script), with no policy violation in the console.
 * Leaves a screenshot in target/console.png (the README's).
 */
@Timeout(120)
class ConsoleBrowserIT {
    static final String ADMIN = "console-admin-token-0123456789";
    static final String SECRET = "console-nodes-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static EchoWsNode wsEdge;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        wsEdge = new EchoWsNode();
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")),
                "{\"nodeGroups\":[{\"name\":\"ng1\",\"subGroups\":[{\"name\":\"us-east\"},{\"name\":\"eu-west\"}]}]}",
                Map.of("proxy.enabled", "true", "api.admin.token", ADMIN, "api.node.secret", SECRET,
                        "cluster.heartbeat.timeout", "10m"));
        heartbeat("origin-1", "origin", "us-east", "198.51.100.1", 5080, "{\"streamGuid\":\"live/cam\",\"publishing\":true}");
        heartbeat("edge-1", "edge", "us-east", "198.51.100.2", 5080, "{\"streamGuid\":\"live/cam\",\"subscribers\":2}");
        heartbeat("edge-2", "allinone", "eu-west", "127.0.0.1", wsEdge.port(), "{\"streamGuid\":\"live/cam\",\"subscribers\":1}");
        browser = Browser.start(Files.createDirectories(dir.resolve("browser")));
    }

    static void heartbeat(String id, String role, String region, String address, int port, String stream) throws Exception {
        proxy.heartbeat(SECRET, "{\"id\":\"" + id + "\",\"nodeGroup\":\"ng1\",\"role\":\"" + role + "\",\"subGroup\":\""
                + region + "\",\"publicAddress\":\"" + address + "\",\"httpPort\":" + port + ",\"state\":\"INSERVICE\","
                + "\"metrics\":{\"connections.client\":3},\"streams\":[" + stream + "]}");
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (wsEdge != null) {
            wsEdge.close();
        }
    }

    static void awaitPage(Page page, String condition) {
        await(condition).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> Boolean.TRUE.equals(page.script("return !!(" + condition + ")")));
    }

    /** Clicks a button of the page, then Confirm in its dialog. */
    static void clickAndConfirm(Page page, String selector) {
        page.script("document.querySelector(arguments[0]).click()", selector);
        awaitPage(page, "document.getElementById('confirm').open");
        page.script("document.getElementById('confirm-ok').click()");
    }

    @Test
    void anOperatorSignsInDrainsAnEdgeAndKicksASession() throws Exception {
        String url = proxy.base + "/as/v1/admin/ui/";
        HttpResponse<String> served = Https.send(proxy.client, "GET", url, null);
        assertThat(served.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        HttpResponse<String> bare = Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/ui", null);
        assertThat(bare.statusCode()).as("the directory form, by redirect").isEqualTo(301);
        assertThat(bare.headers().firstValue("Location").orElse("")).isEqualTo("/as/v1/admin/ui/");

        Page page = browser.open(URI.create(url));
        // a wrong token: refused, said so, nothing kept
        page.script("document.getElementById('token').value = 'not-the-token';"
                + "document.getElementById('login-form').requestSubmit()");
        awaitPage(page, "document.body.dataset.state === 'refused'");
        assertThat(page.script("return document.getElementById('login-error').textContent")).asString().contains("401");
        assertThat(page.script("return sessionStorage.getItem('smproxy.adminToken')")).isNull();

        page.script("document.getElementById('token').value = arguments[0];"
                + "document.getElementById('login-form').requestSubmit()", ADMIN);
        awaitPage(page, "document.querySelectorAll('tr[data-node]').length === 3");
        assertThat(page.script("return location.href")).asString().doesNotContain(ADMIN);
        assertThat(page.script("return document.cookie")).asString().isEmpty();
        assertThat(page.script("return [...document.querySelectorAll('#nodes h3')].map(h => h.textContent).join('|')"))
                .asString().contains("node group ng1").contains("us-east").contains("eu-west");
        awaitPage(page, "document.querySelector('tr[data-stream=\"live/cam\"]')");

        // a relayed WebSocket session appears in the page
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = proxy.client.newWebSocketBuilder().subprotocols("json").buildAsync(URI.create(proxy.base
                        .replace("https", "wss") + "/as/v1/proxy/ws/subscribe/live/cam?host=127.0.0.1:" + wsEdge.port()),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        awaitPage(page, "document.querySelector('tr[data-session]')");
        page.screenshot(Path.of("target/console.png"), 1280, 820);

        // drain edge-1 from the page: the streams API stops choosing it
        clickAndConfirm(page, "button[data-drain='edge-1']");
        awaitPage(page, "document.querySelector('tr[data-node=\"edge-1\"] .state-SOFT_SUNSET')");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> chosen = Https.send(proxy.client, "GET", proxy.base
                    + "/as/v1/streams/stream/ng1/subscribe/live/cam", null);
            assertThat(chosen.statusCode()).isEqualTo(200);
            JsonNode first = JSON.readTree(chosen.body()).get(0);
            assertThat(first.get("serverAddress").asText()).isNotEqualTo("198.51.100.2");
        }
        assertThat(JSON.readTree(Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes/edge-1", null,
                "Authorization", "Bearer " + ADMIN).body()).get("state").asText()).isEqualTo("SOFT_SUNSET");
        // and back
        clickAndConfirm(page, "button[data-undrain='edge-1']");
        awaitPage(page, "document.querySelector('tr[data-node=\"edge-1\"] .state-INSERVICE')");

        // kick the session from the page: the client is told, the registry empties, the page shows none
        clickAndConfirm(page, "button[data-kick]");
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.core().wsSessions().size() == 0);
        awaitPage(page, "document.getElementById('no-sessions')");
        assertThat(ws.isInputClosed()).isTrue();

        // a cancelled confirmation changes nothing
        page.script("document.querySelector(\"button[data-forget='origin-1']\").click()");
        awaitPage(page, "document.getElementById('confirm').open");
        Object before = page.script("return document.getElementById('refreshed').textContent");
        page.script("document.getElementById('confirm-cancel').click()");
        // the next poll, which would show a forgotten node gone (the clock label moves each second it polls)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                !before.equals(page.script("return document.getElementById('refreshed').textContent")));
        assertThat(page.script("return document.querySelectorAll('tr[data-node]').length")).isEqualTo(3L);

        assertThat(page.diagnostics()).doesNotContain("Content Security Policy").doesNotContain("Uncaught");

        // the proxy goes away: the page says so instead of showing stale figures as live
        proxy.close();
        awaitPage(page, "document.body.dataset.state === 'lost'");
        proxy = null;
    }
}
