package org.smproxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.smproxy.testing.ManualClock;

/**
 * Node selection over arbitrary clusters and questions: whatever the roles, states, operator overrides, loads,
 * regions and streams, a chosen node may take the request (known, in service, able to, under its limit, in the
 * strict scope, carrying the stream, not the excluded one, never twice), and a refusal only comes when no such node
 * exists. The selector is where the "never an open proxy" promise starts: a wrong answer here routes a client to a
 * node that should not have it.
 */
class SelectionPropertiesTest {
    private static final List<String> REGIONS = List.of("", "usa", "us-east", "us-west", "eu-west");
    private static final List<String> STREAMS = List.of("live/a", "live/b", "live/c");

    record Spec(Role role, String region, int clients, NodeState state, NodeState override, int streamMask, int publishMask) {
    }

    record Question(boolean publish, String stream, List<String> subGroups, boolean strict, int endpoints,
                    int excluded, long seed) {
    }

    @Provide
    Arbitrary<List<Spec>> clusters() {
        Arbitrary<NodeState> states = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(NodeState.INSERVICE)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(NodeState.class)));
        Arbitrary<NodeState> overrides = Arbitraries.of(NodeState.SOFT_SUNSET, NodeState.INSERVICE, NodeState.FAULT)
                .injectNull(0.85);
        return Combinators.combine(Arbitraries.of(Role.class), Arbitraries.of(REGIONS),
                        Arbitraries.integers().between(0, 130), states, overrides,
                        Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 7))
                .as(Spec::new).list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<Question> questions() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(STREAMS),
                        Arbitraries.of(REGIONS).filter(r -> !r.isEmpty()).list().ofMaxSize(3),
                        Arbitraries.of(true, false), Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(-1, 25), Arbitraries.longs())
                .as(Question::new);
    }

    @Property(tries = 3000)
    void aChosenNodeMayTakeTheRequestAndARefusalMeansNoneCould(@ForAll("clusters") List<Spec> specs,
                                                               @ForAll("questions") Question q) {
        NodeGroupConfig group = new NodeGroupConfig("ng1", Map.of("usa", "", "us-east", "usa", "us-west", "usa",
                "eu-west", ""), null, null, 5080, 100, CapacityRule.of("connections.client * 1000 / capacity", "1000"),
                Map.of(), MetricExpression.compile("max(nodeCount * 0.1, 2)", MetricExpression.SHUFFLE_VARIABLES));
        ClusterModel m = new ClusterModel(List.of(group), new ManualClock(1_000_000), Duration.ofSeconds(8), "");
        Map<String, Set<String>> carried = new HashMap<>();
        Set<String> published = new HashSet<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String id = "n" + i;
            List<NodeReport.StreamReport> streams = new ArrayList<>();
            for (int b = 0; b < STREAMS.size(); b++) {
                if ((s.streamMask() & (1 << b)) != 0) {
                    streams.add(new NodeReport.StreamReport(STREAMS.get(b), (s.publishMask() & (1 << b)) != 0, 0));
                }
            }
            NodeReport r = new NodeReport(id, "ng1", s.role(), s.region(), "192.0.2." + (i + 1), null, 5080, 0, 0,
                    s.state(), Map.of("connections.client", (double) s.clients()), streams);
            try {
                m.report(r, false);
            } catch (ClusterException refused) {
                continue; // a report the model refuses (two publishers of one stream) leaves that node out
            }
            if (s.override() != null) {
                m.setAdminState(id, s.override());
            }
            ids.add(id);
            for (NodeReport.StreamReport sr : streams) {
                carried.computeIfAbsent(id, k -> new HashSet<>()).add(sr.streamGuid());
                if (sr.publishing()) {
                    published.add(sr.streamGuid());
                }
            }
        }
        String excluded = q.excluded() >= 0 && q.excluded() < ids.size() ? ids.get(q.excluded()) : null;
        SelectionRequest req = new SelectionRequest("ng1", q.stream(), q.subGroups(), q.strict(), q.endpoints(), false,
                excluded);
        Capability need = q.publish() ? Capability.PUBLISH : Capability.SUBSCRIBE;

        // what could take it, by the rules written down in ClusterModel's documentation, not by its code
        List<Node> eligible = new ArrayList<>();
        for (String id : ids) {
            Node n = m.findById(id).orElseThrow();
            boolean inScope = !q.strict() || q.subGroups().isEmpty()
                    || q.subGroups().stream().anyMatch(sg -> group.ancestry(n.subGroup()).contains(sg));
            boolean carries = q.publish() || carried.getOrDefault(id, Set.of()).contains(q.stream());
            if (n.inService() && n.role().can(need) && !n.atCapacity() && inScope && carries && !id.equals(excluded)) {
                eligible.add(n);
            }
        }

        List<Node> chosen;
        try {
            chosen = q.publish() ? m.selectPublish(req, new Random(q.seed())) : m.selectSubscribe(req, new Random(q.seed()));
        } catch (ClusterException.StreamAlreadyPublished e) {
            assertThat(q.publish()).isTrue();
            assertThat(published).contains(q.stream());
            return;
        } catch (ClusterException.StreamNotFound e) {
            assertThat(q.publish()).isFalse();
            assertThat(carried.values().stream().noneMatch(c -> c.contains(q.stream()))).isTrue();
            return;
        } catch (ClusterException.NoNodeAvailable e) {
            int wanted = q.strict() ? q.endpoints() : 1;
            assertThat(eligible.size()).as("refused although these could: %s", eligible).isLessThan(wanted);
            return;
        }
        assertThat(chosen).isNotEmpty().hasSizeLessThanOrEqualTo(q.endpoints());
        if (q.strict()) {
            assertThat(chosen).hasSize(q.endpoints());
        }
        assertThat(chosen.stream().map(Node::id).distinct().count()).isEqualTo(chosen.size());
        Set<String> eligibleIds = new HashSet<>();
        eligible.forEach(n -> eligibleIds.add(n.id()));
        for (Node n : chosen) {
            assertThat(eligibleIds).as("chose %s (%s, %s, rank %s)", n.id(), n.role(), n.state(), n.rank())
                    .contains(n.id());
        }
        // as many as asked for whenever there are that many
        assertThat(chosen.size()).isEqualTo(Math.min(q.endpoints(), eligible.size()));
    }
}
