package org.smproxy.sim.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.TrustAll;
import org.smproxy.standalone.StandaloneServer;

/**
 * The demo: the standalone proxy over HTTPS plus a simulated cluster (one origin, two edges, real WebRTC) that
 * registers through the proxy's real heartbeat API, and a page on the proxy's own origin to publish a camera and
 * watch it through the proxy, over WHIP/WHEP or Red5's WebSocket signalling (SM 2.0 and SM 1.x shapes).
 *
 * <pre>java -jar streammanager-proxy-&lt;version&gt;-demo.jar --demo [--https-port N] [--bind ADDRESS]</pre>
 *
 * Prints {@code READY <page url>} once the page is served and all four nodes are INSERVICE in the admin API.
 */
public final class DemoLauncher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoLauncher.class);

    static final String NODE_GROUP = DemoNodes.NODE_GROUP;
    static final String SUB_GROUP = DemoNodes.SUB_GROUP;
    static final List<String> NODE_IDS = DemoNodes.NODE_IDS;
    /** Nodes heartbeat every second, so three of them show up well within this. */
    private static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String adminToken;
    private final String loginPassword;
    private final String nodeSecret;
    private final StandaloneServer server;
    private final DemoWeb web;
    private DemoNodes nodes;
    private boolean closed;

    private DemoLauncher(String adminToken, String nodeSecret, String loginPassword, StandaloneServer server, DemoWeb web) {
        this.adminToken = adminToken;
        this.loginPassword = loginPassword;
        this.nodeSecret = nodeSecret;
        this.server = server;
        this.web = web;
    }

    public static void main(String[] args) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(DemoOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.proxy() != null) {
            NodesLauncher.main(options);
            return;
        }
        try {
            DemoLauncher demo = start(options);
            // Nodes first: a node that outlived the proxy would only log failed heartbeats on the way out.
            Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "smproxy-demo-shutdown"));
            demo.startCluster();
            demo.awaitNodesInService();
            demo.printUrls();
            demo.awaitClose(); // Netty's threads are daemons: this one keeps the JVM up until SIGINT/SIGTERM
        } catch (ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(2);
        } catch (StartFailure e) {
            log.error("the demo could not start: {}", e.getMessage()); // a reason we named: no stack trace
            System.exit(1);
        } catch (Exception e) {
            log.error("the demo could not start: {}", e.getMessage(), e);
            System.exit(1); // runs the shutdown hook, which stops whatever did start
        }
    }

    /** Starts the proxy with fresh secrets, a one-group cluster file and the demo page at its root. */
    static DemoLauncher start(DemoOptions options) throws Exception {
        String adminToken = randomSecret();
        String nodeSecret = randomSecret();
        Path conf = Files.createTempDirectory("smproxy-demo");
        conf.toFile().deleteOnExit();
        Path clusterFile = Files.writeString(conf.resolve("cluster.json"), """
                {"nodeGroups": [{"name": "%s", "subGroups": [{"name": "%s"}]}]}
                """.formatted(NODE_GROUP, SUB_GROUP));
        clusterFile.toFile().deleteOnExit();
        Properties props = new Properties();
        props.setProperty("cluster.file", clusterFile.toString());
        // Fast heartbeats so the nodes' client counts on the page follow a publish or a play within a second.
        props.setProperty("cluster.heartbeat.interval", "1s");
        // The SM 1.x WebSocket endpoint (/streammanager/?host=..), off by default as in Red5; the page offers it.
        props.setProperty("proxy.enabled", "true");
        props.setProperty("api.admin.token", adminToken);
        props.setProperty("api.node.secret", nodeSecret);
        // Red5's SM 2.0 login, which its testbed pages call first; the banner prints the password
        String loginPassword = randomSecret();
        props.setProperty("api.auth.admin.password", loginPassword);
        props.setProperty("api.auth.jwt.secret", randomSecret());
        // The demo's nodes fall back to loopback on a host with no other address; a real cluster's nodes never do.
        props.setProperty("api.node.allowedNetworks", "unicast,127.0.0.0/8");
        // One replica, so any key will do; naming one spares the operator the warning meant for replicated proxies.
        props.setProperty("proxy.session.secret", randomSecret());
        props.setProperty("standalone.https.port", Integer.toString(options.httpsPort()));
        props.setProperty("standalone.bind", options.bind());
        ProxyConfig config = ProxyConfig.fromProperties(props, conf);

        DemoWeb web = new DemoWeb(NODE_GROUP);
        StandaloneServer server;
        try {
            server = StandaloneServer.start(config, web.routes());
        } catch (ConfigException e) { // a port in use: a demo without its port is no demo
            throw new StartFailure(e.getMessage() + "; pick another port with --https-port N");
        }
        web.attach(server.core().cluster());
        return new DemoLauncher(adminToken, nodeSecret, loginPassword, server, web);
    }

    /** One origin in us-east, two edges playing what it ingests and a transcoder, heartbeating to the proxy. */
    synchronized void startCluster() {
        if (closed) {
            return;
        }
        nodes = DemoNodes.start(URI.create(localBase()), nodeSecret, adminToken);
        web.attachHls(nodes);
        web.attachAbr(new AbrProvisioner(localBase(), adminToken, NODE_GROUP));
    }

    /** Waits, bounded, until the admin API lists every simulated node as INSERVICE: the real registration path. */
    void awaitNodesInService() throws InterruptedException {
        awaitNodesInService(localBase(), adminToken);
    }

    /** As {@link #awaitNodesInService()}, for the proxy at {@code base}. */
    static void awaitNodesInService(String base, String adminToken) throws InterruptedException {
        HttpClient client = TrustAll.httpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/as/v1/admin/nodes"))
                .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + REGISTRATION_TIMEOUT.toNanos();
        String last = "(no answer yet)";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                last = answer.statusCode() + " " + answer.body();
                if (answer.statusCode() == 200 && inService(JSON.readTree(answer.body())).containsAll(NODE_IDS)) {
                    log.info("all simulated nodes registered through the heartbeat API and are INSERVICE: {}", NODE_IDS);
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // retried until the deadline, like the nodes' own heartbeats
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
        throw new StartFailure("the simulated nodes " + NODE_IDS + " did not all become INSERVICE within "
                + REGISTRATION_TIMEOUT.toSeconds() + "s; the admin API last answered " + last);
    }

    private static Set<String> inService(JsonNode nodes) {
        Set<String> ids = new TreeSet<>();
        nodes.forEach(n -> {
            if ("INSERVICE".equals(n.path("state").asText())) {
                ids.add(n.path("id").asText());
            }
        });
        return ids;
    }

    void printUrls() {
        String base = server.baseUrl();
        StringBuilder out = new StringBuilder();
        out.append("\nstreammanager-proxy demo: the proxy on ").append(base)
                .append(", simulated cluster ").append(NODE_GROUP).append(" (1 origin, 2 edges, 1 transcoder)\n");
        out.append("  demo page      ").append(base).append("/\n");
        if (isWildcard(server.core().config().standalone().bindAddress())) {
            HostAddresses.firstNonLoopbackIpv4().ifPresent(ip -> out.append("  from elsewhere https://").append(ip)
                    .append(':').append(server.httpsPort()).append("/\n"));
        }
        out.append("  health         ").append(base).append("/as/v1/health\n");
        out.append("  admin API      curl -k -H 'Authorization: Bearer ").append(adminToken).append("' ")
                .append(base).append("/as/v1/admin/nodes\n");
        out.append("  node secret    ").append(nodeSecret).append("  (api.node.secret, for heartbeats)\n");
        out.append("  The certificate is self-signed: accept it once in the browser. Ctrl-C stops everything.\n");
        out.append("login ").append(server.core().config().login().principals().get(0).user()).append(" / ")
                .append(loginPassword).append("   (SM 2.0 login: PUT ").append(base)
                .append("/as/v1/auth/login with Basic auth, as Red5's testbed pages do)\n");
        out.append("READY ").append(base).append("/\n");
        System.out.print(out);
        System.out.flush();
    }

    /** The running proxy (for tests in this package). */
    StandaloneServer server() {
        return server;
    }

    /** The page's URL as this process reaches it. */
    String pageUrl() {
        return localBase() + "/";
    }

    private final java.util.concurrent.CountDownLatch closedLatch = new java.util.concurrent.CountDownLatch(1);

    /** Until {@link #close()} has run. */
    void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /** Stops the nodes first (they sign off by going silent), then the proxy. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("demo stopping: simulated nodes, then the proxy");
        try {
            if (nodes != null) {
                nodes.close();
            }
        } catch (RuntimeException e) {
            log.warn("simulated nodes did not stop cleanly", e);
        } finally {
            server.close();
            log.info("demo stopped");
            closedLatch.countDown();
        }
    }

    /** Where this process reaches its own proxy: loopback when it listens everywhere, else the bound address. */
    private String localBase() {
        String bind = server.core().config().standalone().bindAddress();
        String host = bind.equals("0.0.0.0") ? "127.0.0.1" : bind.equals("::") ? "[::1]"
                : bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind;
        return "https://" + host + ":" + server.httpsPort();
    }

    static boolean isWildcard(String bind) {
        return bind.equals("0.0.0.0") || bind.equals("::");
    }

    static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A start-up failure whose message says it all, logged without a stack trace. */
    static final class StartFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartFailure(String message) {
            super(message);
        }
    }
}
