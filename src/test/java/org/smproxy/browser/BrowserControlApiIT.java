package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.browser.Browser.Page;
import org.smproxy.testing.TestProxy;

/**
 * Red5's control APIs from a page on another origin in Chromium, called as Red5's testbed pages call them: a
 * credentialed {@code fetch} (which a literal {@code Access-Control-Allow-Origin: *} fails) logs in with Basic
 * credentials, then uses the token. An origin the proxy does not allow gets nothing a page can read.
 */
@Timeout(120)
class BrowserControlApiIT {
    static final String PASSWORD = "browser-login-password-0123456789";

    @TempDir
    static Path dir;
    static PageServer pages;
    static TestProxy proxy;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        pages = new PageServer(dir, null);
        URI page = pages.https("sm-control.html");
        String allowed = page.getScheme() + "://" + page.getAuthority();
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "api.auth.admin.password", PASSWORD,
                "api.auth.jwt.secret", "browser-login-secret-0123456789ab",
                "proxy.cors.allowedOrigins", allowed));
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
