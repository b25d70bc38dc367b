package org.smproxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.smproxy.testing.ManualClock;

class ClusterModelTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final Random random = new Random(42);

    private static NodeGroupConfig group(String name, String shuffle, Integer maxPub, Integer maxSub) {
        Map<String, String> regions = Map.of("usa", "", "us-east", "usa", "us-west", "usa", "eu-west", "");
        return new NodeGroupConfig(name, regions, maxPub, maxSub, 5080, 100, CapacityRule.of(
                "connections.client * 1000 / capacity", "1000"), Map.of(),
                MetricExpression.compile(shuffle, MetricExpression.SHUFFLE_VARIABLES));
    }

    private ClusterModel model(NodeGroupConfig... groups) {
        return new ClusterModel(List.of(groups), clock, Duration.ofSeconds(8), "");
    }

    private ClusterModel model() {
        return model(group("ng1", "1", null, null));
    }

    private static int ipCounter = 1;

    private static NodeReport node(String id, Role role, String region, int clients, NodeReport.StreamReport... streams) {
        return node(id, role, region, clients, NodeState.INSERVICE, streams);
    }

    private static NodeReport node(String id, Role role, String region, int clients, NodeState state,
                                   NodeReport.StreamReport... streams) {
        return new NodeReport(id, "ng1", role, region, "192.0.2." + (Math.abs(id.hashCode()) % 250 + 1), null,
                5080 + Math.abs(id.hashCode() % 1000), 0, 0, state, Map.of("connections.client", (double) clients),
                List.of(streams));
    }

    private static NodeReport.StreamReport publishing(String guid) {
        return new NodeReport.StreamReport(guid, true, 0);
    }

    private static NodeReport.StreamReport carrying(String guid, int subscribers) {
        return new NodeReport.StreamReport(guid, false, subscribers);
    }

    private List<String> publish(ClusterModel m, List<String> regions, boolean strict, int endpoints) {
        return ids(m.selectPublish(new SelectionRequest("ng1", "live/s1", regions, strict, endpoints, false), random));
    }

    private List<String> subscribe(ClusterModel m, String guid, List<String> regions, boolean strict) {
        return ids(m.selectSubscribe(new SelectionRequest("ng1", guid, regions, strict, 1, false), random));
    }

    private static List<String> ids(List<Node> nodes) {
        List<String> ids = new ArrayList<>();
        nodes.forEach(n -> ids.add(n.id()));
        return ids;
    }

    @Test
    void publishGoesToTheLeastLoadedOrigin() {
        ClusterModel m = model();
        m.report(node("o1", Role.ORIGIN, "us-east", 50), false);
        m.report(node("o2", Role.ORIGIN, "us-east", 10), false);
        m.report(node("o3", Role.ORIGIN, "us-west", 30), false);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("o2");
        m.report(node("o2", Role.ORIGIN, "us-east", 90), false); // its next heartbeat shows it busier
        assertThat(publish(m, List.of(), false, 1)).containsExactly("o3");
    }

    @Test
    void nodesAtTheirCapacityLimitAreNeverChosenAndSayWhy() {
        ClusterModel m = model();
        m.report(node("o1", Role.ORIGIN, "us-east", 100), false); // 100 of capacity 100: rank 1000 = limit
        assertThatThrownBy(() -> publish(m, List.of(), false, 1))
                .isInstanceOfSatisfying(ClusterException.NoNodeAvailable.class, e -> assertThat(e.atCapacity()).isTrue());
        m.report(node("o1", Role.ORIGIN, "us-east", 99), false);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("o1");
    }

    @Test
    void preferredRegionComesFirstAndOthersFillInUnlessStrict() {
        ClusterModel m = model();
        m.report(node("east", Role.ORIGIN, "us-east", 80), false);
        m.report(node("eu", Role.ORIGIN, "eu-west", 5), false);
        assertThat(publish(m, List.of("us-east"), false, 1)).containsExactly("east");
        assertThat(publish(m, List.of("us-west"), false, 1)).containsExactly("eu");
        assertThatThrownBy(() -> publish(m, List.of("us-west"), true, 1))
                .isInstanceOfSatisfying(ClusterException.NoNodeAvailable.class, e -> assertThat(e.atCapacity()).isFalse())
                .hasMessageContaining("us-west");
    }

    @Test
    void aParentSubGroupSelectsNodesInAnyRegionBelowIt() {
        ClusterModel m = model();
        m.report(node("west", Role.ORIGIN, "us-west", 20), false);
        m.report(node("eu", Role.ORIGIN, "eu-west", 1), false);
        assertThat(publish(m, List.of("usa"), true, 1)).containsExactly("west");
        assertThat(publish(m, List.of("eu-west", "usa"), true, 2)).containsExactly("eu", "west");
    }

    @Test
    void endpointsReturnsDistinctNodesBestFirstAndStrictDemandsTheFullCount() {
        ClusterModel m = model();
        m.report(node("a", Role.ORIGIN, "us-east", 30), false);
        m.report(node("b", Role.ORIGIN, "us-east", 10), false);
        m.report(node("c", Role.ORIGIN, "eu-west", 20), false);
        assertThat(publish(m, List.of(), false, 3)).containsExactly("b", "c", "a");
        assertThat(publish(m, List.of(), false, 5)).containsExactly("b", "c", "a");
        assertThatThrownBy(() -> publish(m, List.of("us-east"), true, 3))
                .isInstanceOf(ClusterException.NoNodeAvailable.class).hasMessageContaining("only 2 of 3");
        assertThatThrownBy(() -> new SelectionRequest("ng1", "live/x", List.of(), false, 0, false))
                .isInstanceOf(ClusterException.InvalidRequest.class).hasMessageContaining("endpoints");
    }

    @Test
    void onlyInServiceNodesAreChosenAndAnOperatorDrainOutlivesHeartbeats() {
        ClusterModel m = model();
        for (NodeState s : NodeState.values()) {
            if (s != NodeState.INSERVICE) {
                m.report(node("n-" + s, Role.ORIGIN, "us-east", 0, s), false);
            }
        }
        assertThatThrownBy(() -> publish(m, List.of(), false, 1)).isInstanceOf(ClusterException.NoNodeAvailable.class);
        m.report(node("good", Role.ORIGIN, "us-east", 50), false);
        m.report(node("spare", Role.ORIGIN, "us-east", 60), false);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("good");
        m.setAdminState("good", NodeState.SOFT_SUNSET);
        m.report(node("good", Role.ORIGIN, "us-east", 10), false); // still claims INSERVICE
        assertThat(m.findById("good").orElseThrow().state()).isEqualTo(NodeState.SOFT_SUNSET);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("spare");
        m.setAdminState("good", null);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("good");
    }

    @Test
    void inALargeGroupANodeLeavingServiceIsNeverChosenFromTheRankingSnapshot() {
        // Above RankedSets.ALWAYS_FRESH_UP_TO nodes, selection may read a ranking up to 50 ms old (here, with the
        // clock standing still, the first one for good): whatever left service since must still never be chosen.
        ClusterModel m = model();
        for (int i = 0; i < 300; i++) {
            m.report(new NodeReport("o" + i, "ng1", Role.ORIGIN, "us-east", "10.1." + (i / 250) + "." + (i % 250 + 1),
                    null, 5080, 0, 0, NodeState.INSERVICE, Map.of("connections.client", 10.0 + i % 80), List.of()), false);
        }
        m.report(node("best", Role.ORIGIN, "us-east", 0), false);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("best");
        m.setAdminState("best", NodeState.SOFT_SUNSET);
        for (int i = 0; i < 50; i++) {
            assertThat(publish(m, List.of(), false, 3)).doesNotContain("best").doesNotHaveDuplicates().hasSize(3);
        }
        m.remove("o0", "test");
        assertThat(publish(m, List.of("us-east"), true, 1)).doesNotContain("best", "o0");
    }

    @Test
    void relaysAreNeverChosenAndRolesKeepToTheirCapabilities() {
        ClusterModel m = model();
        m.report(node("relay", Role.RELAY, "us-east", 0), false);
        m.report(node("edge", Role.EDGE, "us-east", 0), false);
        assertThatThrownBy(() -> publish(m, List.of(), false, 1)).isInstanceOf(ClusterException.NoNodeAvailable.class);
        m.report(node("aio", Role.ALLINONE, "us-east", 0), false);
        assertThat(publish(m, List.of(), false, 1)).containsExactly("aio");
    }

    @Test
    void subscribersGoToTheLeastLoadedEdgeCarryingTheStream() {
        ClusterModel m = model();
        m.report(node("o1", Role.ORIGIN, "us-east", 1, publishing("live/s1")), false);
        m.report(node("e1", Role.EDGE, "us-east", 40, carrying("live/s1", 40)), false);
        m.report(node("e2", Role.EDGE, "eu-west", 20, carrying("live/s1", 20)), false);
        m.report(node("e3", Role.EDGE, "us-east", 0), false); // idle, but does not carry it
        assertThat(subscribe(m, "live/s1", List.of(), false)).containsExactly("e2");
        assertThat(subscribe(m, "live/s1", List.of("us-east"), false)).containsExactly("e1");
        assertThatThrownBy(() -> subscribe(m, "live/nope", List.of(), false)).isInstanceOf(ClusterException.StreamNotFound.class);
        assertThat(m.stream("ng1", "live/s1").orElseThrow().subscribers()).isEqualTo(60);
    }

    @Test
    void anAllInOneNodeServesItsOwnPublisherToSubscribers() {
        ClusterModel m = model();
        m.report(node("aio", Role.ALLINONE, "us-east", 3, publishing("live/s1")), false);
        assertThat(subscribe(m, "live/s1", List.of(), false)).containsExactly("aio");
    }

    @Test
    void streamsCarriedOnlyByFullEdgesAnswerAtCapacity() {
        ClusterModel m = model();
        m.report(node("o1", Role.ORIGIN, "us-east", 1, publishing("live/s1")), false);
        m.report(node("e1", Role.EDGE, "us-east", 100, carrying("live/s1", 100)), false);
        assertThatThrownBy(() -> subscribe(m, "live/s1", List.of(), false))
                .isInstanceOfSatisfying(ClusterException.NoNodeAvailable.class, e -> assertThat(e.atCapacity()).isTrue());
    }

    @Test
    void nodesThatStopHeartbeatingExpireWithTheirStreamsButStaticNodesStay() {
        ClusterModel m = model();
        m.report(node("static", Role.ORIGIN, "us-east", 90), true);
        m.report(node("o1", Role.ORIGIN, "us-east", 1, publishing("live/s1")), false);
        m.report(node("e1", Role.EDGE, "us-east", 1, carrying("live/s1", 1)), false);
        clock.advance(Duration.ofSeconds(5));
        m.report(node("e1", Role.EDGE, "us-east", 1, carrying("live/s1", 1)), false);
        clock.advance(Duration.ofSeconds(4)); // o1 silent for 9 s, e1 for 4 s
        assertThat(m.expireStale()).isEqualTo(1);
        assertThat(m.findById("o1")).isEmpty();
        assertThat(publish(m, List.of(), false, 1)).containsExactly("static");
        m.report(node("e1", Role.EDGE, "us-east", 1), false); // the edge drops it too
        assertThat(m.stream("ng1", "live/s1")).isEmpty();
        clock.advance(Duration.ofMinutes(10));
        m.expireStale();
        assertThat(m.findById("static")).isPresent();
    }

    @Test
    void groupLimitsAnswerWithGroupLimitReached() {
        ClusterModel m = model(group("ng1", "1", 1, 5));
        m.report(node("o1", Role.ORIGIN, "us-east", 1, publishing("live/a")), false);
        m.report(node("o2", Role.ORIGIN, "us-east", 1), false);
        assertThatThrownBy(() -> publish(m, List.of(), false, 1)).isInstanceOf(ClusterException.GroupLimitReached.class);
        m.report(node("e1", Role.EDGE, "us-east", 5, carrying("live/a", 5)), false);
        assertThatThrownBy(() -> subscribe(m, "live/a", List.of(), false)).isInstanceOf(ClusterException.GroupLimitReached.class);
    }

    @Test
    void publishingAStreamThatIsAlreadyLiveConflicts() {
        ClusterModel m = model();
        m.report(node("o1", Role.ORIGIN, "us-east", 1, publishing("live/s1")), false);
        assertThatThrownBy(() -> publish(m, List.of(), false, 1))
                .isInstanceOf(ClusterException.StreamAlreadyPublished.class).hasMessageContaining("o1");
    }

    @Test
    void theDefaultAliasNamesTheOnlyGroupAndIsAmbiguousWithTwo() {
        ClusterModel one = model();
        assertThat(one.group("default").name()).isEqualTo("ng1");
        assertThat(one.sm1GroupName()).isEqualTo("ng1");
        ClusterModel two = model(group("ng1", "1", null, null), group("ng2", "1", null, null));
        assertThatThrownBy(() -> two.group("default")).isInstanceOf(ClusterException.UnknownNodeGroup.class)
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> two.group("nope")).isInstanceOf(ClusterException.UnknownNodeGroup.class);
    }

    @Test
    void nodesSharingAnIpAreNamedByPortAndTwoNodesCannotShareAnAddress() {
        ClusterModel m = model();
        NodeReport standard = new NodeReport("a", "ng1", Role.ORIGIN, "us-east", "10.0.0.1", null, 5080, 0, 0,
                NodeState.INSERVICE, Map.of(), List.of());
        NodeReport other = new NodeReport("b", "ng1", Role.EDGE, "us-east", "10.0.0.1", null, 15080, 0, 0,
                NodeState.INSERVICE, Map.of(), List.of());
        assertThat(m.report(standard, false).address()).isEqualTo("10.0.0.1");
        assertThat(m.report(other, false).address()).isEqualTo("10.0.0.1:15080");
        assertThat(m.findByAddress("10.0.0.1:15080").orElseThrow().id()).isEqualTo("b");
        NodeReport clash = new NodeReport("c", "ng1", Role.EDGE, "us-east", "10.0.0.1", null, 5080, 0, 0,
                NodeState.INSERVICE, Map.of(), List.of());
        assertThatThrownBy(() -> m.report(clash, false)).isInstanceOf(ClusterException.AddressConflict.class);
        assertThat(m.findById("c")).isEmpty();
    }

    @Test
    void tiesAndTheShuffleWindowSpreadABurstAcrossNodes() {
        ClusterModel m = model(group("ng1", "max(nodeCount * 0.1, 2)", null, null));
        for (int i = 0; i < 6; i++) {
            m.report(node("o" + i, Role.ORIGIN, "us-east", 0), false); // all idle: all tied
        }
        m.report(node("busy", Role.ORIGIN, "us-east", 90), false);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 600; i++) {
            counts.merge(publish(m, List.of(), false, 1).get(0), 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey("busy").hasSize(6);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(60, 140));
    }

    @Test
    void shuffleSizeWidensTheWindowBeyondTies() {
        ClusterModel m = model(group("ng1", "2", null, null));
        m.report(node("best", Role.ORIGIN, "us-east", 10), false);
        m.report(node("second", Role.ORIGIN, "us-east", 20), false);
        m.report(node("third", Role.ORIGIN, "us-east", 30), false);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            counts.merge(publish(m, List.of(), false, 1).get(0), 1, Integer::sum);
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrder("best", "second");
    }

    @Test
    void transcodeListsATranscoderThenAnOriginForAProvisionedStream() {
        ClusterModel m = model();
        m.report(node("t1", Role.TRANSCODER, "us-east", 1), false);
        m.report(node("o1", Role.ORIGIN, "us-east", 1), false);
        SelectionRequest rendition = new SelectionRequest("ng1", "live/s1_1", List.of(), false, 1, true);
        assertThatThrownBy(() -> m.selectPublish(rendition, random)).isInstanceOf(ClusterException.NotProvisioned.class)
                .hasMessageContaining("live/s1_1");
        m.provisions().put(List.of(new Provision("ng1", "live/s1", List.of("live/s1_1", "live/s1_2"), "{}")));
        assertThat(ids(m.selectPublish(rendition, random))).containsExactly("t1", "o1");
        List<Node> nodes = m.selectPublish(new SelectionRequest("ng1", "live/s1", List.of(), false, 1, true), random);
        assertThat(ids(nodes)).containsExactly("t1", "o1");
        assertThatThrownBy(() -> m.selectPublish(new SelectionRequest("ng1", "live/s1_9", List.of(), false, 1, true),
                random)).isInstanceOf(ClusterException.NotProvisioned.class);
        m.provisions().remove("ng1", "live/s1");
        assertThatThrownBy(() -> m.selectPublish(rendition, random)).isInstanceOf(ClusterException.NotProvisioned.class);
        assertThatThrownBy(() -> new SelectionRequest("ng1", "live/s1", List.of(), false, 2, true))
                .isInstanceOf(ClusterException.InvalidRequest.class);
    }

    @Test
    void aNodeMovingRegionOrRoleIsReindexedFromScratch() {
        ClusterModel m = model();
        m.report(node("n", Role.ORIGIN, "us-east", 1, publishing("live/s1")), false);
        m.report(node("n", Role.EDGE, "eu-west", 1, carrying("live/s1", 2)), false);
        assertThatThrownBy(() -> publish(m, List.of(), false, 1)).isInstanceOf(ClusterException.NoNodeAvailable.class);
        assertThat(subscribe(m, "live/s1", List.of("eu-west"), true)).containsExactly("n");
        assertThat(m.groupTotals().get("ng1")).containsExactly(1, 1, 0, 2);
    }

    @Test
    void badReportsAreRefusedWithTheReason() {
        ClusterModel m = model();
        NodeReport unknownGroup = new NodeReport("x", "nope", Role.EDGE, "", "10.0.0.9", null, 5080, 0, 0,
                NodeState.INSERVICE, Map.of(), List.of());
        assertThatThrownBy(() -> m.report(unknownGroup, false)).isInstanceOf(ClusterException.InvalidRequest.class)
                .hasMessageContaining("nope");
        NodeReport badPort = new NodeReport("x", "ng1", Role.EDGE, "", "10.0.0.9", null, 0, 0, 0,
                NodeState.INSERVICE, Map.of(), List.of());
        assertThatThrownBy(() -> m.report(badPort, false)).hasMessageContaining("httpPort");
    }
}
