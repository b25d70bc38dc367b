package org.smproxy.sim.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.TrustAll;

/**
 * The demo without its own proxy: the simulated nodes heartbeat to a proxy elsewhere (a load balancer over several
 * replicas, see scripts/cluster-demo.sh) and the page is served here, on its own HTTPS port, calling that proxy on
 * the same host name. Its cluster table comes from the proxy's admin API.
 *
 * <pre>java -jar streammanager-proxy-&lt;version&gt;-demo.jar --demo --proxy https://HOST:PORT --keystore FILE ...</pre>
 *
 * Secrets come from the environment, not the command line that every user of the machine can read:
 * {@code SMPROXY_NODE_SECRET} (api.node.secret), {@code SMPROXY_ADMIN_TOKEN} (api.admin.token),
 * {@code SMPROXY_KEYSTORE_PASSWORD}. Prints {@code READY <page url>} once the nodes are INSERVICE at the proxy.
 */
final class NodesLauncher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodesLauncher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tomcat tomcat;
    private final Connector https;
    private final DemoWeb web;
    private DemoNodes nodes;
    private boolean closed;

    private NodesLauncher(Tomcat tomcat, Connector https, DemoWeb web) {
        this.tomcat = tomcat;
        this.https = https;
        this.web = web;
    }

    static void main(DemoOptions options) {
        try {
            NodesLauncher demo = start(options);
            Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "smproxy-demo-shutdown"));
            String proxy = options.proxy().toString();
            demo.startNodes(options.proxy(), env("SMPROXY_NODE_SECRET"), env("SMPROXY_ADMIN_TOKEN"));
            DemoLauncher.awaitNodesInService(proxy, env("SMPROXY_ADMIN_TOKEN"));
            String page = demo.pageUrl(options.bind());
            StringBuilder out = new StringBuilder();
            out.append("\nsimulated cluster ").append(DemoNodes.NODE_GROUP).append(" (1 origin, 2 edges, 1 transcoder) heartbeating to ")
                    .append(proxy).append('\n');
            out.append("  demo page      ").append(page).append("  (calls the proxy on port ")
                    .append(options.proxy().getPort()).append(" of the same host)\n");
            out.append("READY ").append(page).append('\n');
            System.out.print(out);
            System.out.flush();
        } catch (DemoLauncher.StartFailure | IllegalArgumentException e) {
            log.error("the demo's nodes could not start: {}", e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            log.error("the demo's nodes could not start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }

    /** The page on its own HTTPS port, its cluster table from the admin API of {@code options.proxy()}. */
    static NodesLauncher start(DemoOptions options) throws IOException, LifecycleException {
        DemoWeb web = new DemoWeb(DemoNodes.NODE_GROUP, options.proxy().getPort());
        web.attach(new AdminApiSource(options.proxy().toString(), env("SMPROXY_ADMIN_TOKEN")));
        Tomcat tomcat = new Tomcat();
        Path work = Files.createTempDirectory("smproxy-demo-page");
        work.toFile().deleteOnExit();
        tomcat.setBaseDir(work.toString());
        tomcat.getEngine().setName("smproxy-demo-page");
        Connector https = httpsConnector(options);
        tomcat.getService().addConnector(https);
        tomcat.setConnector(https);
        web.install(tomcat);
        NodesLauncher launcher = new NodesLauncher(tomcat, https, web);
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            launcher.close();
            throw new DemoLauncher.StartFailure("could not listen on " + options.bind() + ":" + options.httpsPort()
                    + " (in use?): " + e.getMessage());
        }
        return launcher;
    }

    synchronized void startNodes(URI proxy, String nodeSecret, String adminToken) {
        if (!closed) {
            nodes = DemoNodes.start(proxy, nodeSecret, adminToken);
            web.attachHls(nodes);
            web.attachAbr(new AbrProvisioner(proxy.toString(), adminToken, DemoLauncher.NODE_GROUP));
        }
    }

    String pageUrl(String bind) {
        String host = DemoLauncher.isWildcard(bind) ? "localhost" : bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind;
        int port = https.getLocalPort();
        String page = "https://" + host + ":" + port + "/";
        if (DemoLauncher.isWildcard(bind)) {
            page += HostAddresses.firstNonLoopbackIpv4().map(ip -> "  (from elsewhere https://" + ip + ":" + port + "/)")
                    .orElse("");
        }
        return page;
    }

    private static Connector httpsConnector(DemoOptions options) {
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(options.httpsPort());
        connector.setProperty("address", options.bind());
        connector.setThrowOnFailure(true);
        connector.setSecure(true);
        connector.setScheme("https");
        connector.setProperty("SSLEnabled", "true");
        SSLHostConfig ssl = new SSLHostConfig();
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
        cert.setCertificateKeystoreFile(options.keystore().toAbsolutePath().toString());
        String password = System.getenv("SMPROXY_KEYSTORE_PASSWORD");
        cert.setCertificateKeystorePassword(password == null ? "" : password);
        cert.setCertificateKeystoreType("PKCS12");
        ssl.addCertificate(cert);
        connector.addSslHostConfig(ssl);
        return connector;
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("with --proxy, the environment must name " + name);
        }
        return value;
    }

    /** Nodes first, then the page. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (nodes != null) {
                nodes.close();
            }
        } catch (RuntimeException e) {
            log.warn("simulated nodes did not stop cleanly", e);
        } finally {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (LifecycleException e) {
                log.warn("the page's Tomcat did not stop cleanly", e);
            }
        }
    }

    /** The cluster table from the admin API (any replica answers for the whole tier). */
    static final class AdminApiSource implements DemoWeb.ClusterSource {
        private final HttpClient client = TrustAll.httpClient();
        private final String base;
        private final String adminToken;

        AdminApiSource(String base, String adminToken) {
            this.base = base;
            this.adminToken = adminToken;
        }

        @Override
        public List<DemoWeb.NodeRow> nodes() {
            List<DemoWeb.NodeRow> rows = new ArrayList<>();
            for (JsonNode n : get("/as/v1/admin/nodes")) {
                JsonNode metrics = n.path("metrics");
                rows.add(new DemoWeb.NodeRow(n.path("id").asText(), n.path("role").asText(), n.path("subGroup").asText(),
                        n.path("state").asText(), n.path("address").asText(),
                        metrics.path("connections.publisher").asInt(), metrics.path("connections.subscriber").asInt()));
            }
            return rows;
        }

        @Override
        public Map<String, List<DemoWeb.StreamAt>> streams() {
            Map<String, String> idByAddress = new LinkedHashMap<>();
            nodes().forEach(n -> idByAddress.put(n.address(), n.id()));
            Map<String, List<DemoWeb.StreamAt>> streams = new LinkedHashMap<>();
            for (JsonNode s : get("/as/v1/admin/streams").path(DemoNodes.NODE_GROUP)) {
                String address = s.path("serverAddress").asText();
                // The admin API lists servers; the one that publishes is the origin (edges only play).
                streams.computeIfAbsent(s.path("streamGuid").asText(), k -> new ArrayList<>()).add(new DemoWeb.StreamAt(
                        idByAddress.getOrDefault(address, address), !"edge".equals(s.path("nodeRole").asText()),
                        s.path("subscribers").asInt()));
            }
            return streams;
        }

        private JsonNode get(String path) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(3)).GET().build();
            try {
                HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 200) {
                    throw new UncheckedIOException(new IOException(path + " answered " + answer.statusCode()));
                }
                return JSON.readTree(answer.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new IOException("interrupted"));
            }
        }
    }
}
