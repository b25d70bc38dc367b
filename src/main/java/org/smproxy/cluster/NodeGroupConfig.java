package org.smproxy.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One node group: its region tree, limits and the rules that rank its nodes.
 *
 * @param parentOf         every sub-group (region) mapped to its parent; top-level ones map to ""
 * @param maxPublishers    group-wide publisher cap (Red5 answers 503 beyond it), null for none
 * @param standardHttpPort the port every real node of the group listens on; a node elsewhere is named ip:port
 * @param nodeCapacity     connections one node is meant to carry: the {@code capacity} variable of the rules
 * @param clusterPassword  the password in the group's nodes' {@code cluster.xml}, with which the forward proxy signs
 *                         a node URL as Red5's cluster auth does; null for none. Never printed: not by
 *                         {@link #toString()}, not by any API
 */
public record NodeGroupConfig(
        String name,
        Map<String, String> parentOf,
        Integer maxPublishers,
        Integer maxSubscribers,
        int standardHttpPort,
        double nodeCapacity,
        CapacityRule defaultRule,
        Map<Role, CapacityRule> rulesByRole,
        MetricExpression shuffleSize,
        String clusterPassword) {

    public static final String DEFAULT_SHUFFLE_SIZE = "max(nodeCount * 0.1, 2)";
    public static final int RED5_HTTP_PORT = 5080;

    public NodeGroupConfig {
        parentOf = Map.copyOf(parentOf);
        rulesByRole = Map.copyOf(rulesByRole);
    }

    /** A group whose nodes the proxy never signs for: most have no need. */
    public NodeGroupConfig(String name, Map<String, String> parentOf, Integer maxPublishers, Integer maxSubscribers,
                           int standardHttpPort, double nodeCapacity, CapacityRule defaultRule,
                           Map<Role, CapacityRule> rulesByRole, MetricExpression shuffleSize) {
        this(name, parentOf, maxPublishers, maxSubscribers, standardHttpPort, nodeCapacity, defaultRule, rulesByRole,
                shuffleSize, null);
    }

    public static NodeGroupConfig simple(String name) {
        return new NodeGroupConfig(name, Map.of(), null, null, RED5_HTTP_PORT, 1000, CapacityRule.defaults(),
                Map.of(), MetricExpression.compile(DEFAULT_SHUFFLE_SIZE, MetricExpression.SHUFFLE_VARIABLES));
    }

    public CapacityRule ruleFor(Role role) {
        return rulesByRole.getOrDefault(role, defaultRule);
    }

    public boolean knowsSubGroup(String subGroup) {
        return parentOf.containsKey(subGroup);
    }

    /**
     * The sub-group itself, each ancestor, then "" (the whole group). A node is indexed under every one of them, so
     * that asking for {@code usa} finds nodes in any region below it with a single lookup.
     */
    public List<String> ancestry(String subGroup) {
        if (subGroup == null || subGroup.isEmpty()) {
            return List.of("");
        }
        List<String> chain = new ArrayList<>(4);
        String current = subGroup;
        while (current != null && !current.isEmpty() && !chain.contains(current)) {
            chain.add(current);
            current = parentOf.get(current);
        }
        chain.add("");
        return Collections.unmodifiableList(chain);
    }

    /** The record's own, but with the cluster password masked: a group may end up in a log line. */
    @Override
    public String toString() {
        return "NodeGroupConfig[name=" + name + ", parentOf=" + parentOf + ", maxPublishers=" + maxPublishers
                + ", maxSubscribers=" + maxSubscribers + ", standardHttpPort=" + standardHttpPort + ", nodeCapacity="
                + nodeCapacity + ", defaultRule=" + defaultRule + ", rulesByRole=" + rulesByRole + ", shuffleSize="
                + shuffleSize + ", clusterPassword=" + (clusterPassword == null ? "none" : "(set)") + "]";
    }
}
