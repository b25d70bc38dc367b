package org.smproxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RankedSetsTest {
    private final AtomicLong millis = new AtomicLong(1_000_000L);
    private final RankedSets sets = new RankedSets(millis::get);
    private static final List<String> EAST = List.of("us-east", "usa", "");

    private static Ranked place(String id, int rank) {
        Node n = new Node(id, "ng1", "us-east", Role.ORIGIN, NodeState.INSERVICE, NodeState.INSERVICE, "10.0.0.1", null,
                5080, 0, 5080, "10.0.0.1:" + id, Map.of(), rank, 1000, 0, false);
        return new Ranked(n, EAST);
    }

    private static List<String> ids(Ranked[] view) {
        List<String> ids = new ArrayList<>();
        for (Ranked r : view) {
            ids.add(r.nodeId);
        }
        return ids;
    }

    @Test
    void smallLevelsShowEveryChangeAtOnce() {
        sets.add(EAST, place("b", 20));
        assertThat(ids(sets.view("usa"))).containsExactly("b");
        sets.add(EAST, place("a", 10));
        assertThat(ids(sets.view(""))).containsExactly("a", "b");
        assertThat(ids(sets.view("eu-west"))).isEmpty();
    }

    @Test
    void largeLevelsAreCopiedAtMostOncePerStalenessBound() {
        for (int i = 0; i < RankedSets.ALWAYS_FRESH_UP_TO + 50; i++) {
            sets.add(EAST, place("n" + i, 100 + i));
        }
        Ranked[] first = sets.view("");
        assertThat(first).hasSize(RankedSets.ALWAYS_FRESH_UP_TO + 50);
        Ranked best = place("best", 1);
        sets.add(EAST, best);
        assertThat(sets.view("")).isSameAs(first);
        millis.addAndGet(RankedSets.MAX_STALENESS_MILLIS - 1);
        assertThat(sets.view("")).isSameAs(first);
        millis.addAndGet(1);
        Ranked[] second = sets.view("");
        assertThat(second[0]).isSameAs(best);
        assertThat(sets.view("")).as("no change, no copy").isSameAs(second);
        sets.remove(EAST, best);
        millis.addAndGet(RankedSets.MAX_STALENESS_MILLIS);
        assertThat(ids(sets.view("us-east"))).doesNotContain("best").hasSize(RankedSets.ALWAYS_FRESH_UP_TO + 50);
    }
}
