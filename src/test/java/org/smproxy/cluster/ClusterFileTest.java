package org.smproxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smproxy.config.ConfigException;

class ClusterFileTest {

    @Test
    void theSampleClusterLoadsWithItsRegionTreeAndRules() {
        ClusterFile file = ClusterFile.load(Path.of("conf/cluster.json"));
        NodeGroupConfig ng1 = file.nodeGroups().get(0);
        assertThat(ng1.name()).isEqualTo("ng1");
        assertThat(ng1.ancestry("us-east")).containsExactly("us-east", "usa", "");
        assertThat(ng1.ruleFor(Role.ORIGIN).ranking().toString()).contains("connections.publisher * 20");
        assertThat(ng1.ruleFor(Role.EDGE).ranking().toString()).isEqualTo(CapacityRule.DEFAULT_RANKING);
        assertThat(file.staticNodes()).hasSize(5).allSatisfy(n -> assertThat(n.state()).isEqualTo(NodeState.INSERVICE));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{}|'nodeGroups' must list at least one node group",
        "{\"nodeGroups\":[{\"name\":\"default\"}]}|not 'default'",
        "{\"nodeGroups\":[{\"name\":\"a\"},{\"name\":\"a\"}]}|'a' is defined twice",
        "{\"nodeGroups\":[{\"name\":\"a\",\"maxPublisher\":3}]}|maxPublisher",
        "{\"nodeGroups\":[{\"name\":\"a\",\"capacityRankingExpression\":\"connections.clients / 2\"}]}|unknown variable 'connections.clients'",
        "{\"nodeGroups\":[{\"name\":\"a\",\"shuffleSizeExpression\":\"max(nodeCount,\"}]}|shuffleSizeExpression",
        "{\"nodeGroups\":[{\"name\":\"a\",\"subGroups\":[{\"name\":\"x\"},{\"name\":\"x\"}]}]}|sub-group 'x' appears twice",
        "{\"nodeGroups\":[{\"name\":\"a\"}],\"nodes\":[{\"id\":\"n\",\"role\":\"boss\",\"nodeGroup\":\"a\"}]}|nodes[0]: role: boss",
        "{\"nodeGroups\":[{\"name\":\"a\"}],\"nodes\":[{\"id\":\"n\",\"role\":\"edge\",\"nodeGroup\":\"b\"}]}|nodeGroup 'b' is not defined",
        "{\"nodeGroups\":[{\"name\":\"a\",\"rulesByRole\":{\"boss\":{}}}]}|rulesByRole: role: boss",
        "{\"nodeGroups\":[|line: 1",
        "{\"nodeGroups\":[{\"name\":\"a\",\"clusterPassword\":\" \"}]}|nodeGroup 'a'.clusterPassword is blank",
    })
    void mistakesAreRefusedSayingWhere(String json, String message) {
        assertThatThrownBy(() -> ClusterFile.parse(json)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void aGroupsClusterPasswordIsReadButNeverPrinted() {
        ClusterFile file = ClusterFile.parse("{\"nodeGroups\":[{\"name\":\"a\",\"clusterPassword\":\"s3cret-cluster\"},"
                + "{\"name\":\"b\"}]}");
        assertThat(file.nodeGroups().get(0).clusterPassword()).isEqualTo("s3cret-cluster");
        assertThat(file.nodeGroups().get(0).toString()).doesNotContain("s3cret-cluster").contains("clusterPassword=(set)");
        assertThat(file.nodeGroups().get(1).clusterPassword()).isNull();
    }

    @Test
    void expressionsEvaluateRed5MetricNamesAndTruncateLikeRed5() {
        MetricExpression e = MetricExpression.compile("max(cpu.loadavg.1min / cpu.processors * 100, connections.client)",
                MetricExpression.NODE_VARIABLES);
        assertThat(e.evaluate(v -> switch (v) {
            case "cpu.loadavg.1min" -> 3.0;
            case "cpu.processors" -> 4.0;
            default -> 10.0;
        })).isEqualTo(75.0);
        assertThat(MetricExpression.truncate(999.9)).isEqualTo(999);
        assertThat(MetricExpression.compile("connections.client / capacity", MetricExpression.NODE_VARIABLES)
                .evaluate(v -> 0.0)).isEqualTo(Double.MAX_VALUE); // 0/0: never rank an unknown node as best
    }
}
