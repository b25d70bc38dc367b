package org.smproxy.sim.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.StreamView;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeLeg;
import org.smproxy.http.Query;
import org.smproxy.http.RouteTable;
import org.smproxy.servlet.EndpointServlet;

/**
 * The demo's page on the proxy's own server, so the page and the proxy share one HTTPS origin (no CORS, one
 * certificate to accept). In the root context, beside the SM 1.x WHProxy relay that owns {@code /*} there:
 * <ul>
 *   <li>{@code /} (exact) the page, {@code web/index.html};</li>
 *   <li>{@code /demo/*} the classpath folder {@code web/} (scripts, styles, the browser client);</li>
 *   <li>{@code /demo/nodes.json} the proxy's view of the cluster without anything secret, which the page polls to
 *       name the node behind each {@code Session-Host};</li>
 *   <li>{@code POST /demo/hls} starts (once) the simulated nodes' live HLS test pattern and answers where the
 *       proxy serves it; hls.js itself is {@code /demo/vendor/hls.js/hls.min.js} when the build packaged it;</li>
 *   <li>{@code /demo/config.json} where the page finds the proxy: {@code {}} for its own origin, or
 *       {@code {"proxyPort": N}} for the same host on another port (the page served beside a load balancer).</li>
 * </ul>
 * Exact and longer-prefix mappings win over the relay's {@code /*}, so the relay keeps every other path (an app
 * named {@code demo} is shadowed, in the demo only).
 */
final class DemoWeb {
    static final String FILES_PREFIX = "/demo";
    static final String NODES_PATH = FILES_PREFIX + "/nodes.json";
    static final String HLS_PATH = FILES_PREFIX + "/hls";
    static final String ABR_PATH = FILES_PREFIX + "/abr";
    static final String CONFIG_PATH = FILES_PREFIX + "/config.json";

    /** One node as the page's table shows it. */
    record NodeRow(String id, String role, String subGroup, String state, String address, int publishers,
                   int subscribers) {
    }

    /** One node carrying a stream. */
    record StreamAt(String id, boolean publishing, int subscribers) {
    }

    /** What the proxy knows of the cluster: from its model in this JVM, or from its admin API elsewhere. */
    interface ClusterSource {
        List<NodeRow> nodes();

        /** Stream GUID to the nodes that carry it, in the node group the page shows. */
        Map<String, List<StreamAt>> streams();

        static ClusterSource of(ClusterModel model, String nodeGroup) {
            return new ClusterSource() {
                @Override
                public List<NodeRow> nodes() {
                    List<NodeRow> rows = new ArrayList<>();
                    for (Node n : model.nodes()) {
                        rows.add(new NodeRow(n.id(), n.role().wireName(), n.subGroup(), n.state().name(), n.address(),
                                (int) n.metric("connections.publisher"), (int) n.metric("connections.subscriber")));
                    }
                    return rows;
                }

                @Override
                public Map<String, List<StreamAt>> streams() {
                    Map<String, List<StreamAt>> streams = new LinkedHashMap<>();
                    for (StreamView s : model.streams(nodeGroup)) {
                        List<StreamAt> on = new ArrayList<>();
                        for (StreamView.Location l : s.locations()) {
                            on.add(new StreamAt(l.node().id(), l.publishing(), l.subscribers()));
                        }
                        streams.put(s.streamGuid(), on);
                    }
                    return streams;
                }
            };
        }
    }

    /** The simulated cluster's HLS, for the page's HLS player (the nodes' ffmpeg test pattern, not a WebRTC publish). */
    interface HlsSource {
        /** Starts the test pattern on the origin and the edges unless it runs; its stream GUID. */
        String start();

        /** HLS requests a node received so far (0 for an unknown node). */
        long requests(String nodeId);
    }

    /** Plain relative names only: no "..", no backslashes, no hidden files. */
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=UTF-8",
            "js", "text/javascript;charset=UTF-8",
            "css", "text/css;charset=UTF-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");

    private final String nodeGroup;
    private final Integer proxyPort;
    private volatile ClusterSource cluster;
    private volatile HlsSource hls;
    private volatile AbrProvisioner abr;

    DemoWeb(String nodeGroup) {
        this(nodeGroup, null);
    }

    /** @param proxyPort null when the page and the proxy share one origin, else the proxy's port on the page's host */
    DemoWeb(String nodeGroup, Integer proxyPort) {
        this.nodeGroup = nodeGroup;
        this.proxyPort = proxyPort;
    }

    /**
     * The page's routes in the root context, for {@link org.smproxy.standalone.StandaloneServer#start(
     * org.smproxy.config.ProxyConfig, List)}: served by whichever server the proxy runs on.
     */
    List<RouteTable.Route> routes() {
        return List.of(
                new RouteTable.Route("demo-nodes", "", List.of(NODES_PATH), new NodesEndpoint()),
                new RouteTable.Route("demo-hls", "", List.of(HLS_PATH), new HlsStartEndpoint()),
                new RouteTable.Route("demo-abr", "", List.of(ABR_PATH), new AbrEndpoint()),
                new RouteTable.Route("demo-config", "", List.of(CONFIG_PATH), new ConfigEndpoint()),
                // "" is the context root exactly: the page at "/"
                new RouteTable.Route("demo-files", "", List.of("", FILES_PREFIX + "/*"), new FilesEndpoint()));
    }

    /** The same routes on a Tomcat of the page's own (the page beside a load balancer, {@link NodesLauncher}). */
    void install(Tomcat tomcat) {
        Context root = (Context) tomcat.getHost().findChild("");
        if (root == null) {
            root = tomcat.addContext("", emptyDocBase().toString());
        }
        for (RouteTable.Route r : routes()) {
            // These endpoints never relay to a node: no node leg.
            Tomcat.addServlet(root, r.name(), new EndpointServlet(r.endpoint(), null)).setAsyncSupported(true);
            for (String mapping : r.mappings()) {
                root.addServletMappingDecoded(mapping, r.name());
            }
        }
    }

    /** Tomcat wants a document base even though everything here comes from the classpath. */
    private static Path emptyDocBase() {
        try {
            Path dir = Files.createTempDirectory("smproxy-demo-root");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Once the proxy runs: the cluster model that {@code nodes.json} reports (503 until then). */
    void attach(ClusterModel model) {
        attach(ClusterSource.of(model, nodeGroup));
    }

    /** As {@link #attach(ClusterModel)}, for a proxy in another process. */
    void attach(ClusterSource source) {
        this.cluster = source;
    }

    /** Once the simulated cluster runs: its HLS (503 until then). */
    /** Where the page's ABR provisions go (the proxy's provision API, with the admin token). */
    void attachAbr(AbrProvisioner provisioner) {
        abr = provisioner;
    }

    void attachHls(HlsSource source) {
        this.hls = source;
    }

    /**
     * Nodes and streams as the proxy knows them from heartbeats: ids, roles, states, addresses, client counts; and
     * from the simulated nodes themselves, the HLS requests each received (the proxy's cache keeps them low).
     */
    Map<String, Object> nodesView() {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeRow n : cluster.nodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", n.id());
            m.put("role", n.role());
            m.put("subGroup", n.subGroup());
            m.put("state", n.state());
            m.put("address", n.address());
            m.put("publishers", n.publishers());
            m.put("subscribers", n.subscribers());
            HlsSource source = hls;
            m.put("hlsRequests", source == null ? 0 : source.requests(n.id()));
            nodes.add(m);
        }
        List<Map<String, Object>> streams = new ArrayList<>();
        cluster.streams().forEach((guid, at) -> {
            List<Map<String, Object>> on = new ArrayList<>();
            for (StreamAt l : at) {
                on.add(Map.of("id", l.id(), "publishing", l.publishing(), "subscribers", l.subscribers()));
            }
            streams.add(Map.of("streamGuid", guid, "nodes", on));
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nodeGroup", nodeGroup);
        body.put("nodes", nodes);
        body.put("streams", streams);
        return body;
    }

    private final class NodesEndpoint extends ApiHandler {
        NodesEndpoint() {
            super(ErrorDialect.SM2);
        }

        @Override
        protected HttpOut handle(ApiCall call) {
            call.allow("GET, HEAD");
            if (cluster == null) {
                return HttpOut.json(503, Map.of("error", "the proxy is still starting"));
            }
            try {
                return HttpOut.json(200, nodesView());
            } catch (UncheckedIOException e) { // a proxy in another process that did not answer
                return HttpOut.json(503, Map.of("error", "the proxy's admin API did not answer: " + e.getCause().getMessage()));
            }
        }
    }

    private final class ConfigEndpoint extends ApiHandler {
        ConfigEndpoint() {
            super(ErrorDialect.SM2);
        }

        @Override
        protected HttpOut handle(ApiCall call) {
            call.allow("GET, HEAD");
            return HttpOut.json(200, proxyPort == null ? Map.of() : Map.of("proxyPort", proxyPort));
        }
    }

    /** {@code POST /demo/hls}: {@code {"streamGuid", "playlist"}}, or 503 with the reason (e.g. no ffmpeg). */
    private final class HlsStartEndpoint extends ApiHandler {
        HlsStartEndpoint() {
            super(ErrorDialect.SM2);
        }

        @Override
        protected HttpOut handle(ApiCall call) {
            call.allow("POST");
            HlsSource source = hls;
            if (source == null) {
                return HttpOut.json(503, Map.of("error", "the simulated cluster is still starting"));
            }
            String guid;
            try {
                guid = source.start(); // once: later calls find it running
            } catch (IllegalStateException e) {
                return HttpOut.json(503, Map.of("error", "the simulated nodes cannot make HLS: " + e.getMessage()));
            }
            return HttpOut.json(200, Map.of("streamGuid", guid,
                    "playlist", "/as/v1/proxy/hls/" + guid + ".m3u8?nodeGroup=" + nodeGroup));
        }
    }

    /**
     * {@code POST /demo/abr?stream=<name>}: provisions three renditions of {@code live/<name>} so the page can publish
     * {@code <name>_1} with {@code transcode=true}; {@code {"publish": "<name>_1", "renditions": [...]}}.
     */
    private final class AbrEndpoint implements Endpoint {
        @Override
        public int maxBodyBytes() {
            return 0;
        }

        @Override
        public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
            if (!"POST".equals(in.method())) {
                return CompletableFuture.completedFuture(HttpOut.json(405, Map.of("error", "POST only")));
            }
            String name = Query.parse(in.rawQuery()).get("stream");
            if (name == null || !name.matches("[A-Za-z0-9_-]{1,60}")) {
                return CompletableFuture.completedFuture(HttpOut.json(400,
                        Map.of("error", "'stream' must be 1-60 letters, digits, '_' or '-'")));
            }
            AbrProvisioner provisioner = abr;
            if (provisioner == null) {
                return CompletableFuture.completedFuture(HttpOut.json(503,
                        Map.of("error", "the demo's ABR is not set up yet (the simulated cluster is starting)")));
            }
            List<String> renditions = new ArrayList<>();
            for (int i = 0; i < AbrProvisioner.RENDITIONS.size(); i++) {
                int[] r = AbrProvisioner.RENDITIONS.get(i);
                renditions.add(name + "_" + (i + 1) + " " + r[0] + "x" + r[1]);
            }
            return provisioner.provision(name).handle((publish, failure) -> failure == null
                    ? HttpOut.json(200, Map.of("publish", publish, "renditions", renditions))
                    : HttpOut.json(502, Map.of("error", "provisioning failed: " + (failure.getCause() != null
                            ? failure.getCause().getMessage() : failure.getMessage()))));
        }

        @Override
        public HttpOut refuse(HttpIn in, Throwable failure) {
            return HttpOut.json(400, Map.of("error", String.valueOf(failure.getMessage())));
        }
    }

    /**
     * Serves {@code web/**} from the classpath (target/test-classes in a build, the demo jar once packaged):
     * {@code /} and {@code /demo/} are the page, {@code /demo/<name>} the file {@code web/<name>}.
     */
    private static final class FilesEndpoint extends ApiHandler {
        FilesEndpoint() {
            super(ErrorDialect.SM2);
        }

        @Override
        protected HttpOut handle(ApiCall call) {
            call.allow("GET, HEAD");
            String rest = call.rest(0); // below /demo; empty for the context root and /demo/
            String name = rest.isEmpty() ? "index.html" : rest;
            String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            InputStream in = SAFE_PATH.matcher(name).matches() && type != null
                    ? DemoWeb.class.getClassLoader().getResourceAsStream("web/" + name) : null;
            if (in == null) {
                throw call.notFound();
            }
            try (in) {
                // The demo page changes with the code; never let a browser run yesterday's script.
                return new HttpOut(200).header("Content-Type", type).header("Cache-Control", "no-cache")
                        .body(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
