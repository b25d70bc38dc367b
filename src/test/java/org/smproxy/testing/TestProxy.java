package org.smproxy.testing;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

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
        TestKeystore keystore = TestKeystore.create(dir, "proxy");
        Files.writeString(dir.resolve("cluster.json"), clusterJson);
        Properties p = new Properties();
        p.setProperty("cluster.file", dir.resolve("cluster.json").toString());
        p.setProperty("standalone.bind", "127.0.0.1");
        p.setProperty("standalone.https.port", "0");
        p.setProperty("standalone.keystore.file", keystore.file().toString());
        p.setProperty("standalone.keystore.password", keystore.password());
        // Simulated nodes may listen on loopback, which heartbeats may not name in a real cluster.
        p.setProperty("api.node.allowedNetworks", "unicast,127.0.0.0/8");
        // Every test client is 127.0.0.1, driving more requests than any person would; RateLimitTest turns them on.
        p.setProperty("proxy.rateLimit.enabled", "false");
        p.setProperty("proxy.client.maxConnectionsPerAddress", "100000"); // the same one address, for every test client
        p.putAll(settings);
        return new TestProxy(StandaloneServer.start(ProxyConfig.fromProperties(p, dir)));
    }

    /** Reports a node with the node secret; the proxy must take it. */
    public void heartbeat(String nodeSecret, String body) throws Exception {
        java.net.http.HttpResponse<String> r = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", body,
                "Authorization", "Bearer " + nodeSecret, "Content-Type", "application/json");
        if (r.statusCode() != 200) {
            throw new AssertionError("heartbeat refused: " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
