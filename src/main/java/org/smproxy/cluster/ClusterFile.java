package org.smproxy.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.smproxy.config.ConfigException;

/**
 * The cluster file: node groups with their region trees and rules, and, for fixed clusters, the nodes themselves.
 * Unknown fields are errors, like unknown configuration keys: a typo must not silently drop a limit.
 */
public record ClusterFile(List<NodeGroupConfig> nodeGroups, List<NodeReport> staticNodes) {
    private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Without a file: one group, "main", fed by heartbeats. */
    public static ClusterFile builtIn() {
        return new ClusterFile(List.of(NodeGroupConfig.simple("main")), List.of());
    }

    public static ClusterFile load(Path path) {
        try {
            return parse(Files.readString(path));
        } catch (IOException e) {
            throw new ConfigException("'cluster.file' " + path + " cannot be read: " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new ConfigException("'cluster.file' " + path + ": " + e.getMessage(), e);
        }
    }

    public static ClusterFile parse(String json) {
        FileDto dto;
        try {
            dto = MAPPER.readValue(json, FileDto.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(e.getOriginalMessage() + " at " + e.getLocation().offsetDescription());
        }
        if (dto.nodeGroups() == null || dto.nodeGroups().isEmpty()) {
            throw new ConfigException("'nodeGroups' must list at least one node group");
        }
        List<NodeGroupConfig> groups = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < dto.nodeGroups().size(); i++) {
            NodeGroupConfig g = group(dto.nodeGroups().get(i), "nodeGroups[" + i + "]");
            if (!names.add(g.name())) {
                throw new ConfigException("nodeGroups[" + i + "].name '" + g.name() + "' is defined twice");
            }
            groups.add(g);
        }
        List<NodeReport> nodes = new ArrayList<>();
        List<NodeDto> nodeDtos = dto.nodes() == null ? List.of() : dto.nodes();
        for (int i = 0; i < nodeDtos.size(); i++) {
            nodes.add(node(nodeDtos.get(i), "nodes[" + i + "]", names));
        }
        return new ClusterFile(groups, nodes);
    }

    private static NodeGroupConfig group(GroupDto g, String at) {
        if (g.name() == null || !GROUP_NAME.matcher(g.name()).matches() || ClusterModel.DEFAULT_ALIAS.equals(g.name())) {
            throw new ConfigException(at + ".name '" + g.name()
                    + "' must be 1-64 letters, digits, '_' or '-', and not 'default' (Red5 reserves it as an alias)");
        }
        at = "nodeGroup '" + g.name() + "'";
        Map<String, String> parentOf = new HashMap<>();
        if (g.subGroups() != null) {
            for (SubGroupDto s : g.subGroups()) {
                collectSubGroups(s, "", parentOf, at);
            }
        }
        positive(g.maxPublishers(), at + ".maxPublishers");
        positive(g.maxSubscribers(), at + ".maxSubscribers");
        int port = g.standardHttpPort() == null ? NodeGroupConfig.RED5_HTTP_PORT : g.standardHttpPort();
        if (port < 1 || port > 65535) {
            throw new ConfigException(at + ".standardHttpPort: " + port + " (expected: 1-65535)");
        }
        double capacity = g.nodeCapacity() == null ? 1000 : g.nodeCapacity();
        if (!(capacity > 0)) {
            throw new ConfigException(at + ".nodeCapacity: " + capacity + " (expected: > 0)");
        }
        CapacityRule defaults = rule(g.capacityRankingExpression(), g.capacityLimitExpression(), CapacityRule.defaults(), at);
        Map<Role, CapacityRule> byRole = new HashMap<>();
        if (g.rulesByRole() != null) {
            for (Map.Entry<String, RuleDto> e : g.rulesByRole().entrySet()) {
                Role role;
                try {
                    role = Role.parse(e.getKey());
                } catch (IllegalArgumentException bad) {
                    throw new ConfigException(at + ".rulesByRole: " + bad.getMessage());
                }
                RuleDto r = e.getValue();
                byRole.put(role, rule(r.capacityRankingExpression(), r.capacityLimitExpression(), defaults,
                        at + ".rulesByRole." + e.getKey()));
            }
        }
        String shuffle = g.shuffleSizeExpression() == null ? NodeGroupConfig.DEFAULT_SHUFFLE_SIZE : g.shuffleSizeExpression();
        MetricExpression shuffleSize;
        try {
            shuffleSize = MetricExpression.compile(shuffle, MetricExpression.SHUFFLE_VARIABLES);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ".shuffleSizeExpression: " + e.getMessage());
        }
        if (g.clusterPassword() != null && g.clusterPassword().isBlank()) {
            throw new ConfigException(at + ".clusterPassword is blank (expected: the password of the group's nodes'"
                    + " cluster.xml, or no clusterPassword at all)");
        }
        return new NodeGroupConfig(g.name(), parentOf, g.maxPublishers(), g.maxSubscribers(), port, capacity,
                defaults, byRole, shuffleSize, g.clusterPassword());
    }

    private static void collectSubGroups(SubGroupDto s, String parent, Map<String, String> parentOf, String at) {
        if (s.name() == null || !GROUP_NAME.matcher(s.name()).matches()) {
            throw new ConfigException(at + ": sub-group name '" + s.name() + "' must be 1-64 letters, digits, '_' or '-'");
        }
        if (parentOf.putIfAbsent(s.name(), parent) != null) {
            throw new ConfigException(at + ": sub-group '" + s.name() + "' appears twice");
        }
        if (s.subGroups() != null) {
            for (SubGroupDto child : s.subGroups()) {
                collectSubGroups(child, s.name(), parentOf, at);
            }
        }
    }

    private static CapacityRule rule(String ranking, String limit, CapacityRule fallback, String at) {
        try {
            return new CapacityRule(
                    ranking == null ? fallback.ranking() : MetricExpression.compile(ranking, MetricExpression.NODE_VARIABLES),
                    limit == null ? fallback.limit() : MetricExpression.compile(limit, MetricExpression.NODE_VARIABLES));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + " capacity expression: " + e.getMessage());
        }
    }

    private static void positive(Integer value, String at) {
        if (value != null && value < 0) {
            throw new ConfigException(at + ": " + value + " (expected: >= 0, or null for no limit)");
        }
    }

    private static NodeReport node(NodeDto n, String at, Set<String> groups) {
        try {
            if (n.nodeGroup() == null || !groups.contains(n.nodeGroup())) {
                throw new IllegalArgumentException("nodeGroup '" + n.nodeGroup() + "' is not defined in nodeGroups");
            }
            return new NodeReport(n.id(), n.nodeGroup(), Role.parse(n.role()), n.subGroup(), n.publicAddress(),
                    n.privateAddress(), n.httpPort() == null ? NodeGroupConfig.RED5_HTTP_PORT : n.httpPort(),
                    n.httpsPort() == null ? 0 : n.httpsPort(), n.wsPort() == null ? 0 : n.wsPort(),
                    n.state() == null ? NodeState.INSERVICE : NodeState.parse(n.state()), n.metrics(), List.of());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ": " + e.getMessage());
        }
    }

    record FileDto(List<GroupDto> nodeGroups, List<NodeDto> nodes) {
    }

    record GroupDto(String name, Integer maxPublishers, Integer maxSubscribers, Integer standardHttpPort,
                    Double nodeCapacity, String capacityRankingExpression, String capacityLimitExpression,
                    String shuffleSizeExpression, Map<String, RuleDto> rulesByRole, List<SubGroupDto> subGroups,
                    String clusterPassword) {
    }

    record RuleDto(String capacityRankingExpression, String capacityLimitExpression) {
    }

    record SubGroupDto(String name, String groupType, List<SubGroupDto> subGroups) {
    }

    record NodeDto(String id, String role, String nodeGroup, String subGroup, String publicAddress,
                   String privateAddress, Integer httpPort, Integer httpsPort, Integer wsPort, String state,
                   Map<String, Double> metrics) {
    }
}
