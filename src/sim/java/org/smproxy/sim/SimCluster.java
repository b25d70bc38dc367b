package org.smproxy.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several simulated nodes in one JVM, each on its own port, all on one shared {@link SimMedia}. Node settings
 * start from a template (node group, proxy, addresses), so a test names only what differs.
 */
public final class SimCluster implements AutoCloseable {

    private final SimMedia media;
    private final SimNodeConfig template;
    private final List<SimNode> nodes = new CopyOnWriteArrayList<>();

    public SimCluster() {
        this(SimNodeConfig.defaults());
    }

    public SimCluster(SimNodeConfig template) {
        this(SimMedia.shared(), template);
    }

    public SimCluster(SimMedia media, SimNodeConfig template) {
        this.media = media;
        this.template = template.copy();
    }

    public SimMedia media() {
        return media;
    }

    /** A copy of the template, to adjust and pass to {@link #start}. */
    public SimNodeConfig config(String id, NodeRole role) {
        return template.copy().id(id).role(role);
    }

    public SimNode startOrigin(String id) {
        return start(config(id, NodeRole.ORIGIN), null);
    }

    public SimNode startEdge(String id, SimNode origin) {
        return start(config(id, NodeRole.EDGE), origin);
    }

    public SimNode startAllInOne(String id) {
        return start(config(id, NodeRole.ALLINONE), null);
    }

    /** Transcodes what the template's {@link SimNodeConfig#provisionSource provision source} provisions. */
    public SimNode startTranscoder(String id) {
        return start(config(id, NodeRole.TRANSCODER), null);
    }

    /** @param origin required for edges (the node whose streams it plays), ignored otherwise */
    public SimNode start(SimNodeConfig config, SimNode origin) {
        if (node(config.id()).isPresent()) {
            throw new IllegalArgumentException("node id already in use: " + config.id());
        }
        SimNode node = new SimNode(media, config, config.role() == NodeRole.EDGE ? origin : null);
        node.start();
        nodes.add(node);
        return node;
    }

    public List<SimNode> nodes() {
        return List.copyOf(nodes);
    }

    public Optional<SimNode> node(String id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** Stops edges before origins so no subscriber still sends an origin's track when it is freed. */
    @Override
    public void close() {
        List<SimNode> order = new ArrayList<>(nodes);
        order.sort((a, b) -> Boolean.compare(a.role().canPublish(), b.role().canPublish()));
        order.forEach(SimNode::stop);
        order.forEach(SimNode::disposeMedia);
        nodes.clear();
    }
}
