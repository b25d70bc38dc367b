package org.smproxy.testing;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.smproxy.config.ProxyConfig;
import org.smproxy.standalone.StandaloneServer;

/**
 * The standalone proxy for a test: HTTPS on 127.0.0.1, an ephemeral port, a throwaway certificate valid for
 * 127.0.0.1, the given cluster file and settings; plus a client that trusts it.
 */
public final class TestProxy implements AutoCloseable {
    public final StandaloneServer server;
    public final HttpClient client;
    public final String base;
    public final String wss;

    private TestProxy(StandaloneServer server) {
        this.server = server;
        this.client = Https.trustingClient();
        this.base = "https://127.0.0.1:" + server.httpsPort();
        this.wss = "wss://127.0.0.1:" + server.httpsPort();
    }

    public static TestProxy start(Path dir, String clusterJson, Map<String, String> settings) throws Exception {
        Path keystore = keystore(dir);
        Files.writeString(dir.resolve("cluster.json"), clusterJson);
        Properties p = new Properties();
        p.setProperty("cluster.file", dir.resolve("cluster.json").toString());
        p.setProperty("standalone.bind", "127.0.0.1");
        p.setProperty("standalone.https.port", "0");
        p.setProperty("standalone.keystore.file", keystore.toString());
        p.setProperty("standalone.keystore.password", "changeit");
        p.putAll(settings);
        return new TestProxy(StandaloneServer.start(ProxyConfig.fromProperties(p, dir)));
    }

    /** A self-signed EC certificate for 127.0.0.1, made with the JDK's keytool. */
    public static Path keystore(Path dir) throws IOException, InterruptedException {
        Path ks = dir.resolve("test-keystore.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "t", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed to make a test certificate");
        }
        return ks;
    }

    @Override
    public void close() {
        server.close();
    }
}
