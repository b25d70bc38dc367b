package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smproxy.cluster.CapacityRule;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.MetricExpression;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeGroupConfig;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Role;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.testing.ManualClock;

class EdgePickerTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private static final SelectionRequest LIVE = SelectionRequest.simple("ng1", "live/s1");

    private ClusterModel modelWith(int edges) {
        NodeGroupConfig g = new NodeGroupConfig("ng1", Map.of(), null, null, 5080, 100,
                CapacityRule.of("connections.client * 1000 / capacity", "1000"), Map.of(),
                MetricExpression.compile("1", MetricExpression.SHUFFLE_VARIABLES));
        ClusterModel m = new ClusterModel(List.of(g), clock, Duration.ofSeconds(8), "");
        for (int i = 1; i <= edges; i++) {
            m.report(new NodeReport("edge-" + i, "ng1", Role.EDGE, "", "192.0.2." + i, null, 5080, 0, 0,
                    NodeState.INSERVICE, Map.of("connections.client", (double) i),
                    List.of(new NodeReport.StreamReport("live/s1", false, 0))), false);
        }
        return m;
    }

    @Test
    void everyReplicaPicksTheSameEdgeForAViewerAndViewersSpread() {
        EdgePicker one = new EdgePicker(modelWith(3));
        EdgePicker other = new EdgePicker(modelWith(3)); // another replica's model, built from the same reports
        Map<String, Integer> perEdge = new HashMap<>();
        for (int v = 0; v < 3000; v++) {
            String viewer = "198.51.100." + (v % 250) + "#" + v;
            Node a = one.pick(LIVE, viewer);
            assertThat(other.pick(LIVE, viewer).id()).isEqualTo(a.id());
            assertThat(one.pick(LIVE, viewer).id()).as("stable").isEqualTo(a.id());
            perEdge.merge(a.id(), 1, Integer::sum);
        }
        assertThat(perEdge).hasSize(3);
        perEdge.values().forEach(n -> assertThat(n).as("viewers per edge of 3000").isBetween(850, 1150));
    }

    @Test
    void aFailedEdgeIsPassedOverForTenSecondsThenServesItsViewersAgain() {
        ClusterModel model = modelWith(2);
        EdgePicker picker = new EdgePicker(model);
        Node usual = picker.pick(LIVE, "viewer-1");
        picker.failed(usual);
        assertThat(picker.pick(LIVE, "viewer-1").id()).isNotEqualTo(usual.id());
        clock.advance(Duration.ofSeconds(9));
        assertThat(picker.pick(LIVE, "viewer-1").id()).isNotEqualTo(usual.id());
        clock.advance(Duration.ofSeconds(2));
        assertThat(picker.pick(LIVE, "viewer-1").id()).isEqualTo(usual.id());
    }

    @Test
    void whenEveryEdgeFailedTheViewerStillGetsOne() {
        ClusterModel model = modelWith(2);
        EdgePicker picker = new EdgePicker(model);
        model.nodes().forEach(picker::failed);
        assertThat(picker.pick(LIVE, "viewer-1")).isNotNull();
    }

    @Test
    void losingAnEdgeMovesOnlyItsViewers() {
        ClusterModel model = modelWith(3);
        EdgePicker picker = new EdgePicker(model);
        Map<String, String> before = new HashMap<>();
        for (int v = 0; v < 600; v++) {
            before.put("v" + v, picker.pick(LIVE, "v" + v).id());
        }
        model.remove("edge-2", "test");
        before.forEach((viewer, edge) -> {
            String now = picker.pick(LIVE, viewer).id();
            if (!edge.equals("edge-2")) {
                assertThat(now).as(viewer).isEqualTo(edge);
            } else {
                assertThat(now).isNotEqualTo("edge-2");
            }
        });
    }

    /** Any viewer name (empty, non-ASCII, long), any number of edges: one of them, the same on every replica, and
     * only the viewers of an edge that goes are moved. */
    @net.jqwik.api.Property(tries = 300)
    void anyViewerGetsACarrierThatOnlyItsOwnEdgesLeavingChanges(
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.StringLength(max = 60) String viewer,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 8) int edges,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 8) int leaving) {
        ClusterModel model = modelWith(edges);
        String picked = new EdgePicker(model).pick(LIVE, viewer).id();
        assertThat(new EdgePicker(modelWith(edges)).pick(LIVE, viewer).id()).isEqualTo(picked);
        assertThat(Integer.parseInt(picked.substring(5))).isBetween(1, edges);
        if (edges > 1 && leaving <= edges) {
            model.remove("edge-" + leaving, "test");
            String now = new EdgePicker(model).pick(LIVE, viewer).id();
            if (picked.equals("edge-" + leaving)) {
                assertThat(now).isNotEqualTo(picked);
            } else {
                assertThat(now).isEqualTo(picked);
            }
        }
    }
}
