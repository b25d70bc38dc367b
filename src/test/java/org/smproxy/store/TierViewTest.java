package org.smproxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.cluster.CapacityRule;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.MetricExpression;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeGroupConfig;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Provision;
import org.smproxy.cluster.Role;
import org.smproxy.testing.ManualClock;

/** The changes other replicas publish, applied to a real local model. */
class TierViewTest {
    private final ClusterModel model = new ClusterModel(List.of(new NodeGroupConfig("ng1", Map.of(), null, null, 5080,
            100, CapacityRule.of("connections.client * 1000 / capacity", "1000"), Map.of(),
            MetricExpression.compile("1", MetricExpression.SHUFFLE_VARIABLES))), new ManualClock(1_000_000),
            Duration.ofSeconds(8), "");
    private final TierView view = new TierView(model, "me");

    private static NodeReport edge(String id) {
        return new NodeReport(id, "ng1", Role.EDGE, "", "192.0.2.9", null, 5080, 0, 0, NodeState.INSERVICE, Map.of(),
                List.of());
    }

    @Test
    void anotherReplicasHeartbeatDrainAndRemovalReachTheLocalView() {
        assertThat(view.onEvent("R|1|other|" + TierView.json(edge("e1")))).isFalse();
        assertThat(model.findById("e1")).isPresent();
        view.onEvent("A|2|other|{\"id\":\"e1\",\"state\":\"SOFT_SUNSET\"}");
        assertThat(model.findById("e1").map(Node::state)).contains(NodeState.SOFT_SUNSET);
        view.onEvent("A|3|other|{\"id\":\"e1\",\"state\":\"\"}");
        assertThat(model.findById("e1").map(Node::state)).contains(NodeState.INSERVICE);
        view.onEvent("X|4|other|{\"id\":\"e1\",\"reason\":\"removed by operator\"}");
        assertThat(model.findById("e1")).isEmpty();
    }

    @Test
    void itsOwnChangesAreAlreadyAppliedButTheTiersExpirySparesNoReplica() {
        view.onEvent("R|1|me|" + TierView.json(edge("e1")));
        assertThat(model.findById("e1")).as("own heartbeats are applied when received, not when echoed").isEmpty();
        model.report(edge("e1"), false);
        view.onEvent("E|2|me|{\"id\":\"e1\",\"reason\":\"no heartbeat for more than 8000 ms\"}");
        assertThat(model.findById("e1")).isEmpty();
    }

    @Test
    void theTiersExpirySparesNodesOfTheClusterFile() {
        model.report(edge("fixed"), true);
        view.onEvent("E|1|other|{\"id\":\"fixed\",\"reason\":\"no heartbeat\"}");
        assertThat(model.findById("fixed")).isPresent();
    }

    @Test
    void sessionsOfOtherReplicasAreMirroredUntilTheyCloseOrTheirReplicaGoes() {
        SessionInfo s = new SessionInfo("S-1", "other", "live/s1", "live", "192.0.2.9", 5080, "198.51.100.1", "ua",
                true, 5, "CONNECTED", true, true);
        view.onEvent("S|1|other|" + TierView.json(s));
        assertThat(view.remoteSessions()).containsExactly(s);
        view.onEvent("C|2|other|{\"id\":\"S-1\"}");
        assertThat(view.remoteSessions()).isEmpty();
        view.onEvent("S|3|other|" + TierView.json(s));
        assertThat(view.onEvent("G|4|third|{\"replica\":\"other\"}")).isFalse();
        assertThat(view.remoteSessions()).isEmpty();
        assertThat(view.onEvent("G|5|third|{\"replica\":\"me\"}")).as("taken for gone: share again").isTrue();
    }

    @Test
    void aKickFromAnotherReplicaReachesTheLocalSessions() {
        List<String> kicked = new ArrayList<>();
        view.onKick((match, by) -> kicked.add(String.valueOf(match)));
        view.onEvent("K|1|other|{\"match\":\"live/s1\"}");
        view.onEvent("K|2|other|{\"match\":\"\"}");
        view.onEvent("K|3|me|{\"match\":\"mine\"}");
        assertThat(kicked).containsExactly("live/s1", "null");
    }

    @Test
    void changesAlreadyInTheSnapshotAreSkipped() {
        view.applySnapshot(List.of(100L, 7L, List.of(), List.of(), List.of(), List.of(), List.of()));
        view.onEvent("R|7|other|" + TierView.json(edge("old")));
        view.onEvent("R|8|other|" + TierView.json(edge("new")));
        assertThat(model.findById("old")).isEmpty();
        assertThat(model.findById("new")).isPresent();
    }

    @Test
    void provisionChangesFollowTheServersOrderAndOnlyTheLatestOfItsOwnCounts() {
        Provision v1 = new Provision("ng1", "live/abr", List.of("live/abr_1"), "{\"v\":1}");
        Provision v2 = new Provision("ng1", "live/abr", List.of("live/abr_1", "live/abr_2"), "{\"v\":2}");
        view.onEvent("P|1|other|" + TierView.json(v1));
        assertThat(model.provisions().find("ng1", "live/abr")).contains(v1);
        assertThat(model.provisions().covers("ng1", "live/abr_1")).isTrue();

        // two writes of its own in quick succession: the first one's echo must not undo the second
        String key = TierView.provisionKey("ng1", "live/abr");
        view.provisionSent(key);
        view.provisionSent(key);
        model.provisions().put(List.of(v2));
        view.onEvent("P|2|me|" + TierView.json(v1));
        assertThat(model.provisions().find("ng1", "live/abr")).contains(v2);
        view.onEvent("P|3|other|" + TierView.json(v1)); // another replica's write, between its two on the server
        view.onEvent("P|4|me|" + TierView.json(v2));
        assertThat(model.provisions().find("ng1", "live/abr")).as("the server's last word").contains(v2);

        view.onEvent("D|5|other|{\"nodeGroup\":\"ng1\",\"guid\":\"live/abr\"}");
        assertThat(model.provisions().find("ng1", "live/abr")).isEmpty();
        assertThat(model.provisions().covers("ng1", "live/abr_1")).isFalse();

        view.onEvent("P|6|other|" + TierView.json(v1));
        view.applySnapshot(List.of(100L, 9L, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of("ng1|live/abr2", TierView.json(new Provision("ng1", "live/abr2", List.of(), "{}")))));
        assertThat(model.provisions().all()).extracting(Provision::guid).as("the snapshot replaces them").containsExactly(
                "live/abr2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "R", "R|x|other|{}", "R|1|other", "R|1|other|not json", "Z|1|other|{}",
        "R|99999999999999999999|other|{}", "R|2|other|{\"id\":\"\"}"})
    void malformedChangesAreIgnored(String message) {
        assertThat(view.onEvent(message)).isFalse();
        assertThat(model.nodes()).isEmpty();
    }
}
