package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.LoginTokens;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * Stream Manager 2.0's login as Red5's clients call it: Basic credentials for a JWT, which then opens the admin API
 * for the admin principal and not for the proxy one; every refusal a JSON 401 counted against the client.
 */
class LoginApiTest {
    static final String ADMIN_PASSWORD = "login-admin-password-0123456789";
    static final String PROXY_PASSWORD = "login-proxy-password-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(dir, "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "api.auth.admin.user", "smadmin",
                "api.auth.admin.password", ADMIN_PASSWORD,
                "api.auth.proxy.password", PROXY_PASSWORD,
                "api.auth.jwt.secret", "login-jwt-secret-0123456789abcdef"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> login(String... headers) throws Exception {
        return Https.send(proxy.client, "PUT", proxy.base + "/as/v1/auth/login", null, headers);
    }

    @Test
    void theAdminLogsInAndItsTokenOpensTheAdminApi() throws Exception {
        HttpResponse<String> r = login("Authorization", basic("smadmin", ADMIN_PASSWORD));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String token = JSON.readTree(r.body()).get("token").asText();
        DecodedJWT jwt = JWT.decode(token);
        assertThat(jwt.getAlgorithm()).isEqualTo("HS256");
        assertThat(jwt.getSubject()).isEqualTo("smadmin");
        assertThat(jwt.getClaim("roles").asString()).isEqualTo("ROLE_ADMIN");
        // Red5's default lifetime: 400 minutes
        assertThat(Duration.between(jwt.getIssuedAtAsInstant(), jwt.getExpiresAtAsInstant())).isEqualTo(Duration.ofMinutes(400));
        HttpResponse<String> nodes = Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes", null,
                "Authorization", "Bearer " + token);
        assertThat(nodes.statusCode()).as(nodes.body()).isEqualTo(200);
    }

    @Test
    void theProxyPrincipalsTokenDoesNotOpenTheAdminApi() throws Exception {
        HttpResponse<String> r = login("Authorization", basic("proxy", PROXY_PASSWORD));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String token = JSON.readTree(r.body()).get("token").asText();
        assertThat(JWT.decode(token).getClaim("roles").asString()).isEqualTo("ROLE_PROXY");
        assertError(Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes", null, "Authorization",
                "Bearer " + token), 403, "does not open this API");
        // the forward proxy is what it is for: past the credential check, on to the target's (here a refusal)
        String forward = proxy.base + "/as/v1/proxy/forward/?target=http%3A%2F%2F198.51.100.9%3A5080%2Flive%2Fplaylists";
        assertError(Https.send(proxy.client, "GET", forward, null, "Authorization", "Bearer " + token), 403,
                "no node of this cluster");
        assertError(Https.send(proxy.client, "GET", forward, null), 401, "needs a token");
    }

    @Test
    void everyWrongLoginIsAJson401CountedAgainstTheClient() throws Exception {
        // a proxy of its own: this test spends its client's failure budget
        try (TestProxy p = TestProxy.start(Files.createDirectories(dir.resolve("budget")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "api.auth.admin.password", ADMIN_PASSWORD,
                "api.auth.jwt.secret", "login-jwt-secret-0123456789abcdef",
                "proxy.rateLimit.enabled", "true",
                "proxy.rateLimit.authFailures", "0.01/s burst 4"))) {
            List<String[]> wrong = List.of(
                    new String[] {},
                    new String[] {"Authorization", "Bearer " + ADMIN_PASSWORD},
                    new String[] {"Authorization", "Basic %%%"},
                    new String[] {"Authorization", basic("admin", "not-the-password")});
            for (String[] headers : wrong) {
                HttpResponse<String> r = Https.send(p.client, "PUT", p.base + "/as/v1/auth/login", null, headers);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
                assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
            }
            // the budget is spent: even the right password waits now
            HttpResponse<String> right = Https.send(p.client, "PUT", p.base + "/as/v1/auth/login", null,
                    "Authorization", basic("admin", ADMIN_PASSWORD));
            assertThat(right.statusCode()).as(right.body()).isEqualTo(429);
        }
        assertError(Https.send(proxy.client, "GET", proxy.base + "/as/v1/auth/login", null), 405, "not allowed");
    }

    @Test
    void aTokenOfAnotherTierAnAlteredOneAndAnExpiredOneAreRefused() throws Exception {
        ProxyConfig.Login cfg = new ProxyConfig.Login(List.of(new ProxyConfig.Principal("admin", ADMIN_PASSWORD,
                LoginTokens.ADMIN)), "another-tier-secret-0123456789abcd", Duration.ofMinutes(400));
        String foreign = LoginTokens.of(cfg, Clock.systemUTC()).login(basic("admin", ADMIN_PASSWORD));
        assertError(Https.send(proxy.client, "GET", proxy.base + "/as/v1/admin/nodes", null, "Authorization",
                "Bearer " + foreign), 401, "not valid");

        Instant issued = Instant.parse("2026-12-07T10:00:00Z");
        String token = LoginTokens.of(cfg, Clock.fixed(issued, ZoneOffset.UTC)).login(basic("admin", ADMIN_PASSWORD));
        LoginTokens later = LoginTokens.of(cfg, Clock.fixed(issued.plus(Duration.ofMinutes(401)), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.verify(token, Set.of(LoginTokens.ADMIN)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("expired");
                });
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("ROLE_ADMIN", "ROLE_PROXY");
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        LoginTokens now = LoginTokens.of(cfg, Clock.fixed(issued, ZoneOffset.UTC));
        assertThatThrownBy(() -> now.verify(altered, Set.of(LoginTokens.PROXY)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void loginPasswordsFollowTheRulesOfEverySecretAndNeedASigningSecret() {
        Properties p = new Properties();
        p.setProperty("api.auth.admin.password", "short");
        p.setProperty("api.auth.jwt.secret", "login-jwt-secret-0123456789abcdef");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'api.auth.admin.password' is shorter than");
        p.setProperty("api.auth.admin.password", ADMIN_PASSWORD);
        p.remove("api.auth.jwt.secret");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'api.auth.jwt.secret' is not set");
        p.setProperty("api.auth.jwt.secret", "login-jwt-secret-0123456789abcdef");
        p.setProperty("api.auth.proxy.user", "admin");
        p.setProperty("api.auth.proxy.password", PROXY_PASSWORD);
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the same name");
        p.remove("api.auth.proxy.user");
        assertThat(ProxyConfig.fromProperties(p, null).login().principals()).extracting(ProxyConfig.Principal::role)
                .containsExactly("ROLE_ADMIN", "ROLE_PROXY");
        assertThat(ProxyConfig.fromProperties(new Properties(), null).login()).as("closed by default").isNull();
    }

    static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asText()).contains(message);
    }
}
