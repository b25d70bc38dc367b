package org.smproxy.sim.demo;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.sim.HostAddresses;
import org.smproxy.sim.NodeRole;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimNodeConfig;

/**
 * The demo's simulated cluster: one origin in us-east, two edges playing what it ingests and a transcoder making the
 * renditions of provisioned streams, heartbeating to a proxy like real nodes (the demo's own, or a load balancer over
 * replicas), and their HLS test pattern for the page. The demo provisions nothing: that is the page's job.
 */
final class DemoNodes implements DemoWeb.HlsSource, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoNodes.class);

    static final String NODE_GROUP = "ng1";
    static final String SUB_GROUP = "us-east";
    static final List<String> NODE_IDS = List.of("origin-1", "edge-1", "edge-2", "transcoder-1");
    static final String TRANSCODER_ID = "transcoder-1";
    /** The HLS the page plays: the nodes' ffmpeg test pattern, started on first use (it costs three encoders). */
    static final String HLS_STREAM = "live/testpattern";

    private final SimCluster cluster;
    private boolean hlsStarted;
    private boolean closed;

    private DemoNodes(SimCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts the nodes; they heartbeat every second to {@code proxy} with {@code nodeSecret}, and the transcoder
     * reads provisions there with {@code adminToken}.
     */
    static DemoNodes start(URI proxy, String nodeSecret, String adminToken) {
        SimNodeConfig template = SimNodeConfig.defaults().nodeGroup(NODE_GROUP).subGroup(SUB_GROUP)
                .proxy(proxy, nodeSecret).heartbeatIntervalMs(1000).provisionSource(proxy, adminToken);
        if (HostAddresses.firstNonLoopbackIpv4().isEmpty()) {
            log.warn("this host has no non-loopback IPv4 interface: nodes advertise {} and WebRTC media cannot flow"
                    + " (libwebrtc gathers no loopback candidates)", template.publicAddress());
        }
        SimCluster cluster = new SimCluster(template);
        try {
            SimNode origin = cluster.startOrigin(NODE_IDS.get(0));
            for (String edge : NODE_IDS.subList(1, 3)) {
                cluster.startEdge(edge, origin);
            }
            cluster.startTranscoder(TRANSCODER_ID);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        for (SimNode n : cluster.nodes()) {
            log.info("simulated {} {} listening on {}", n.role().wireName(), n.id(), n.baseUrl());
        }
        return new DemoNodes(cluster);
    }

    /**
     * Starts the HLS test pattern on every node (once; ffmpeg per node, as each Red5 node segments on its own):
     * the origin's makes the stream live, so its edges list it and the proxy can pick one.
     *
     * @throws IllegalStateException when ffmpeg is missing or fails, or the demo is stopping
     */
    @Override
    public synchronized String start() {
        if (closed) {
            throw new IllegalStateException("the demo is not running");
        }
        if (!hlsStarted) {
            // Not on the transcoder: a pattern there would count as a publish of the stream on it.
            List<CompletableFuture<URI>> starts = cluster.nodes().stream().filter(n -> n.role() != NodeRole.TRANSCODER)
                    .map(n -> CompletableFuture.supplyAsync(() -> n.startHls(HLS_STREAM))).toList();
            try {
                starts.forEach(CompletableFuture::join);
            } catch (CompletionException e) {
                throw e.getCause() instanceof IllegalStateException ise ? ise : new IllegalStateException(e.getCause());
            }
            hlsStarted = true;
            log.info("HLS test pattern {} started on {}", HLS_STREAM, NODE_IDS.subList(0, 3));
        }
        return HLS_STREAM;
    }

    @Override
    public long requests(String nodeId) {
        return cluster.node(nodeId).map(SimNode::hlsRequests).orElse(0L);
    }

    /** Stops the nodes (they sign off by going silent). Safe to call twice. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cluster.close();
        }
    }
}
