package org.smproxy.testing;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.NodeState;
import org.smproxy.sim.SimCluster;
import org.smproxy.sim.SimNode;
import org.smproxy.sim.SimNodeConfig;

/**
 * The standalone proxy in front of a simulated cluster of one origin and two edges (real WebRTC, HLS on demand)
 * that joined it by heartbeat, in one node group {@code ng1}; returned once all three are in service.
 */
public final class ProxiedCluster implements AutoCloseable {
    public final TestProxy proxy;
    public final SimCluster cluster;
    public final SimNode origin;
    public final SimNode edge1;
    public final SimNode edge2;

    private ProxiedCluster(TestProxy proxy, SimCluster cluster) {
        this.proxy = proxy;
        this.cluster = cluster;
        this.origin = cluster.startOrigin("origin-1");
        this.edge1 = cluster.startEdge("edge-1", origin);
        this.edge2 = cluster.startEdge("edge-2", origin);
    }

    /**
     * @param subGroup the nodes' region, declared in the cluster file; null for none
     * @param settings the proxy's settings beyond the heartbeat ones (300 ms, 5 s timeout) and the node secret
     */
    public static ProxiedCluster start(Path dir, String secret, String subGroup, Map<String, String> settings)
            throws Exception {
        return start(dir, secret, subGroup, settings, node -> { });
    }

    /** @param nodes how every node differs from the defaults (e.g. round-trip authentication) */
    public static ProxiedCluster start(Path dir, String secret, String subGroup, Map<String, String> settings,
                                       Consumer<SimNodeConfig> nodes) throws Exception {
        String groups = subGroup == null ? "{\"name\":\"ng1\"}"
                : "{\"name\":\"ng1\",\"subGroups\":[{\"name\":\"" + subGroup + "\"}]}";
        Map<String, String> all = new HashMap<>(Map.of("cluster.heartbeat.interval", "300ms",
                "cluster.heartbeat.timeout", "5s", "api.node.secret", secret));
        all.putAll(settings);
        TestProxy proxy = TestProxy.start(dir, "{\"nodeGroups\":[" + groups + "]}", all);
        SimNodeConfig template = SimNodeConfig.defaults().nodeGroup("ng1").proxy(URI.create(proxy.base), secret)
                .heartbeatIntervalMs(300);
        if (subGroup != null) {
            template.subGroup(subGroup);
        }
        nodes.accept(template);
        SimCluster cluster = new SimCluster(template);
        ProxiedCluster started;
        try {
            started = new ProxiedCluster(proxy, cluster);
        } catch (RuntimeException e) {
            cluster.close();
            proxy.close();
            throw e;
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> started.inService("origin-1", "edge-1", "edge-2"));
        return started;
    }

    public List<SimNode> edges() {
        return List.of(edge1, edge2);
    }

    public ClusterModel model() {
        return proxy.server.core().cluster();
    }

    public boolean inService(String... ids) {
        for (String id : ids) {
            if (model().findById(id).filter(n -> n.state() == NodeState.INSERVICE).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            proxy.close();
        }
    }
}
