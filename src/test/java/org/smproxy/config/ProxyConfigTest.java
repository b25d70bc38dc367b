package org.smproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ProxyConfig c = ProxyConfig.defaults();
        assertThat(c.wsProxyEnabled()).isFalse();
        assertThat(c.clusterFile()).isNull();
        assertThat(c.defaultNodeGroup()).isEmpty();
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(8));
        assertThat(c.usePrivateAddress()).isTrue();
        assertThat(c.adminToken()).isEmpty();
        assertThat(c.nodeSecret()).isEmpty();
        assertThat(c.client().header()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.client().body()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.relay().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.relay().requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.relay().maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(c.relay().allowedOrigins()).containsExactly("*");
        assertThat(c.relay().sessionSecret()).isEmpty();
        assertThat(c.relay().sessionTtl()).isEqualTo(Duration.ofHours(12));
        assertThat(c.webSocket().maxFrameBytes()).isEqualTo(64 * 1024);
        assertThat(c.webSocket().maxSessionsPerAddress()).isEqualTo(200);
        assertThat(c.webSocket().idleTimeout()).isZero();
        assertThat(c.webSocket().pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.webSocket().queueBytes()).isEqualTo(256 * 1024);
        assertThat(c.webSocket().reapUnhealthyAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.hls().cacheBytes()).isEqualTo(128L * 1024 * 1024);
        assertThat(c.hls().segmentTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.hls().playlistMaxAge()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.hls().blockingTimeout()).isEqualTo(Duration.ofSeconds(12));
        assertThat(c.standalone().bindAddress()).isEqualTo("0.0.0.0");
        assertThat(c.standalone().httpsPort()).isEqualTo(8443);
        assertThat(c.standalone().httpPort()).isEqualTo(-1);
        assertThat(c.standalone().keystoreFile()).isNull();
        assertThat(c.standalone().keystoreType()).isEqualTo("PKCS12");
        assertThat(c.standalone().nettyPort()).isEqualTo(-1);
        assertThat(c.standalone().server()).isEqualTo(ProxyConfig.Server.NETTY);
        assertThat(c.store().kind()).isEqualTo(ProxyConfig.StoreKind.MEMORY);
        assertThat(c.store().prefix()).isEqualTo("smproxy:");
        assertThat(c.store().replicaId()).matches("[A-Za-z0-9._-]+-[0-9a-f]{1,6}");
        assertThat(ProxyConfig.defaults().store().replicaId()).as("unique per process start")
                .isNotEqualTo(c.store().replicaId());
    }

    @Test
    void aRedisStoreTakesItsUrlPasswordPrefixAndReplicaId() {
        Properties p = new Properties();
        p.setProperty("cluster.store", "Redis");
        p.setProperty("cluster.store.url", "rediss://cache.internal:6380/2");
        p.setProperty("cluster.store.password", "pw");
        p.setProperty("cluster.store.prefix", "eu1:");
        p.setProperty("cluster.replica.id", "proxy-a");
        ProxyConfig.Store s = ProxyConfig.fromProperties(p, null).store();
        assertThat(s).isEqualTo(new ProxyConfig.Store(ProxyConfig.StoreKind.REDIS, "rediss://cache.internal:6380/2", "pw",
                "eu1:", "proxy-a"));
        p.setProperty("cluster.store.prefix", "a|b"); // '|' separates the fields of the store's change messages
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'cluster.store.prefix' must be 1-64 characters without '|'");
    }

    @Test
    void aPasswordInTheStoreUrlNeverReachesAMessage() {
        Properties p = new Properties();
        p.setProperty("cluster.store", "redis");
        p.setProperty("cluster.store.url", "http://user:hunter2@cache:6379");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'cluster.store.url'").hasMessageNotContaining("hunter2");
    }

    @Test
    void readsEveryKeyAndResolvesPathsAgainstTheFilesDirectory() {
        Properties p = new Properties();
        p.setProperty("proxy.enabled", "true");
        p.setProperty("cluster.heartbeat.interval", "500ms");
        p.setProperty("cluster.heartbeat.timeout", "3s");
        p.setProperty("standalone.keystore.file", "keys/server.p12");
        p.setProperty("proxy.cors.allowedOrigins", "https://a.example, https://b.example,");
        p.setProperty("webapp.contextPath", "/streammanager"); // Red5's own keys are not ours to judge
        ProxyConfig c = ProxyConfig.fromProperties(p, Path.of("/etc/smproxy"));
        assertThat(c.wsProxyEnabled()).isTrue();
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.standalone().keystoreFile()).isEqualTo(Path.of("/etc/smproxy/keys/server.p12"));
        assertThat(c.relay().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    }

    @org.junit.jupiter.api.Test
    void secretsOfSixteenCharactersOrMoreAreTakenAndNeverEcho() {
        Properties p = new Properties();
        p.setProperty("api.admin.token", "0123456789abcdef");
        assertThat(ProxyConfig.fromProperties(p, null).adminToken()).isEqualTo("0123456789abcdef");
        p.setProperty("api.admin.token", "0123456789abcde");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("openssl rand").hasMessageNotContaining("0123456789abcde");
    }

    @org.junit.jupiter.api.Test
    void heartbeatsMayNameAnyUnicastAddressByDefaultAndOnlyTheListedNetworksOtherwise() throws Exception {
        java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
        java.net.InetAddress ten = java.net.InetAddress.getByName("10.1.1.1");
        java.net.InetAddress pub = java.net.InetAddress.getByName("198.51.100.1");
        Networks byDefault = ProxyConfig.defaults().nodeNetworks();
        assertThat(byDefault.toString()).isEqualTo("unicast");
        assertThat(byDefault.refusal(loopback)).isEqualTo("a loopback address");
        assertThat(byDefault.refusal(ten)).isNull();
        Properties p = new Properties();
        p.setProperty("api.node.allowedNetworks", "10.0.0.0/8");
        Networks narrowed = ProxyConfig.fromProperties(p, null).nodeNetworks();
        assertThat(narrowed.refusal(ten)).isNull();
        assertThat(narrowed.refusal(pub)).isEqualTo("an address outside the allowed networks");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "proxy.enabled|yes|'proxy.enabled' must be true or false",
        "cluster.heartbeat.timeout|10|'cluster.heartbeat.timeout' must be a duration",
        "cluster.heartbeat.timeout|1s|'cluster.heartbeat.timeout' (1000ms) must be longer than 'cluster.heartbeat.interval'",
        "cluster.heartbeat.interval|5ms|'cluster.heartbeat.interval' must be at least 100ms",
        "standalone.https.port|70000|'standalone.https.port' must be between 0 and 65535",
        "standalone.https.port|abc|'standalone.https.port' must be a whole number",
        "standalone.netty.port|-2|'standalone.netty.port' must be between -1 and 65535",
        "standalone.netty.port|8446|'standalone.netty.port' opens a Netty listener beside Tomcat: it needs standalone.server=tomcat",
        "standalone.server|jetty|'standalone.server' must be netty or tomcat, not 'jetty'",
        "standalone.server|Netty|'standalone.server' must be netty or tomcat, not 'Netty'",
        "proxy.maxBodySize|100|'proxy.maxBodySize' must be between 1024",
        "proxy.upstream.timeout|fast|'proxy.upstream.timeout' must be a duration",
        "cluster.heartbeat.timout|9s|unknown configuration key(s) [cluster.heartbeat.timout]",
        "cluster.file|/no/such/cluster.json|'cluster.file' points at /no/such/cluster.json, which cannot be read",
        "cluster.store|etcd|'cluster.store' must be memory or redis, not 'etcd'",
        "cluster.store.prefix|''|'cluster.store.prefix' must be 1-64 characters",
        "cluster.replica.id|no spaces|'cluster.replica.id' may hold letters, digits",
        "api.admin.token|change-me-admin|'api.admin.token' still holds a sample's placeholder",
        "api.node.secret|Replace-with-another-long-random-string|'api.node.secret' still holds a sample's placeholder",
        "proxy.session.secret|changeme-please-0123456789|'proxy.session.secret' still holds a sample's placeholder",
        "api.admin.token|short-token|'api.admin.token' is shorter than 16 characters",
        "api.node.allowedNetworks|10.0.0.0/8,localhost|'api.node.allowedNetworks': 'localhost' is neither a CIDR",
    })
    void badValuesStopStartUpNamingTheKey(String key, String value, String message) {
        badValue(key, value, message);
    }

    @ParameterizedTest(name = "cluster.store.url={0}")
    @CsvSource(delimiter = '|', value = {
        "''|'cluster.store.url' is required with cluster.store=redis",
        "127.0.0.1:6379|'cluster.store.url' must look like redis://host:port[/db]",
        "redis://|'cluster.store.url' must look like redis://host:port[/db]",
        "redis://host:6379/x|the database after the port must be a number",
        "redis://ho st:6379|'cluster.store.url' must look like redis://host:port[/db]",
    })
    void aBadStoreUrlStopsStartUpNamingTheKey(String url, String message) {
        Properties p = new Properties();
        p.setProperty("cluster.store", "redis");
        p.setProperty("cluster.store.url", url);
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void theOwnListenerIsOffByDefaultAndNeedsAReadableKeystoreWhenOn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertThat(ProxyConfig.defaults().listener().enabled()).isFalse();
        Properties p = new Properties();
        p.setProperty("proxy.listener.port", "8444");
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, dir)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'proxy.listener.keystore.file'");
        java.nio.file.Files.writeString(dir.resolve("tls.p12"), "not checked here: the listener loads it");
        p.setProperty("proxy.listener.keystore.file", "tls.p12");
        p.setProperty("proxy.listener.keystore.password", "pw");
        ProxyConfig.Listener l = ProxyConfig.fromProperties(p, dir).listener();
        assertThat(l.port()).isEqualTo(8444);
        assertThat(l.keystoreFile()).isEqualTo(dir.resolve("tls.p12"));
        assertThat(l.bindAddress()).isEqualTo("0.0.0.0");
        badValue("proxy.listener.port", "70000", "proxy.listener.port");
    }

    private static void badValue(String key, String value, String message) {
        Properties p = new Properties();
        p.setProperty(key, value);
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
