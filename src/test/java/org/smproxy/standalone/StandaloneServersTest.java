package org.smproxy.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.testing.Https;

/** Which server the launcher starts, and what each does with the ports an operator configures. */
class StandaloneServersTest {
    @TempDir
    Path dir;

    private ProxyConfig config(String... keyValues) {
        SelfSignedKeystore.Keystore ks;
        try {
            ks = SelfSignedKeystore.obtain(dir.resolve("test.p12"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties p = new Properties();
        p.setProperty("api.admin.token", "admin-secret-0123456789abcdef");
        p.setProperty("api.node.secret", "node-secret-0123456789abcdef");
        p.setProperty("standalone.bind", "127.0.0.1");
        p.setProperty("standalone.https.port", "0");
        p.setProperty("standalone.keystore.file", ks.file().toString());
        p.setProperty("standalone.keystore.password", ks.password());
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return ProxyConfig.fromProperties(p, dir);
    }

    @Test
    void nettyIsTheDefaultAndServesHttpsAndThePlainPortAlike() throws Exception {
        try (StandaloneServer server = StandaloneServer.start(config("standalone.http.port", "0"))) {
            assertThat(server.serverKind()).isEqualTo(ProxyConfig.Server.NETTY);
            assertThat(server.nettyPort()).isEqualTo(server.httpsPort());
            assertThat(server.httpPort()).isPositive().isNotEqualTo(server.httpsPort());
            HttpResponse<String> tls = Https.send(Https.trustingClient(), "GET",
                    "https://127.0.0.1:" + server.httpsPort() + "/as/v1/health", null);
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/as/v1/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tls.statusCode()).isEqualTo(200);
            assertThat(plain.statusCode()).isEqualTo(200);
            assertThat(plain.body()).isEqualTo(tls.body());
            HttpResponse<String> missing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/as/v1/nothing-here")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("\"error\"");
        }
    }

    @Test
    void tomcatStaysAvailableWithItsPlainPort() throws Exception {
        try (StandaloneServer server = StandaloneServer.start(config("standalone.server", "tomcat",
                "standalone.http.port", "0"))) {
            assertThat(server.serverKind()).isEqualTo(ProxyConfig.Server.TOMCAT);
            assertThat(server.nettyPort()).isEqualTo(-1);
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/as/v1/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPortInUseStopsStartUpNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> StandaloneServer.start(config("standalone.https.port",
                    String.valueOf(taken.getLocalPort()))))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
