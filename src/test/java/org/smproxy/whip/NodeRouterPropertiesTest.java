package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeGroupConfig;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Role;
import org.smproxy.http.ApiException;
import org.smproxy.http.HttpIn;
import org.smproxy.http.RouteTokens;
import org.smproxy.testing.ManualClock;

/**
 * The router over whatever a client can send it: a {@code host} of any text, a resource token issued for any node
 * and kind or altered, any method. It answers with a node of the cluster that may take that request, or refuses with
 * a defined error; it never lets a client name an address the cluster does not know, and nothing else escapes.
 */
class NodeRouterPropertiesTest {
    private static final ManualClock CLOCK = new ManualClock(1_000_000);
    private static final RouteTokens TOKENS = new RouteTokens("router-property-secret-0123456789", Duration.ofMinutes(5),
            CLOCK);
    private static final RouteTokens OTHER_TIER = new RouteTokens("another-tier-secret-0123456789xx", Duration.ofMinutes(5),
            CLOCK);

    static ClusterModel cluster() {
        ClusterModel m = new ClusterModel(List.of(NodeGroupConfig.simple("ng1")), CLOCK, Duration.ofHours(1), "ng1");
        report(m, "o1", Role.ORIGIN, "10.0.0.1", NodeState.INSERVICE, true);
        report(m, "e1", Role.EDGE, "10.0.0.2", NodeState.INSERVICE, false);
        report(m, "e2", Role.EDGE, "10.0.0.3", NodeState.INSERVICE, false);
        m.setAdminState("e2", NodeState.SOFT_SUNSET); // draining: existing sessions only
        report(m, "e3", Role.EDGE, "10.0.0.4", NodeState.FAULT, false);
        report(m, "a1", Role.ALLINONE, "10.0.0.5", NodeState.INSERVICE, false);
        report(m, "r1", Role.RELAY, "10.0.0.6", NodeState.INSERVICE, false);
        return m;
    }

    private static void report(ClusterModel m, String id, Role role, String ip, NodeState state, boolean publishing) {
        m.report(new NodeReport(id, "ng1", role, "", ip, null, 5080, 0, 0, state, Map.of("connections.client", 1.0),
                List.of(new NodeReport.StreamReport("live/s", publishing, 0))), false);
    }

    record In(String method, String path, String rawQuery) implements HttpIn {
        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public String remoteAddress() {
            return "192.0.2.200";
        }

        @Override
        public int remotePort() {
            return 40000;
        }

        @Override
        public boolean secure() {
            return true;
        }

        @Override
        public byte[] body() {
            return new byte[0];
        }
    }

    /** What the client put in its URL: a host, a token (and whether it is genuine), or neither. */
    record Target(String host, String token, String tokenNode, String tokenKind, boolean genuine) {
    }

    @Provide
    Arbitrary<Target> targets() {
        Arbitrary<String> hosts = Arbitraries.oneOf(
                Arbitraries.of("10.0.0.1:5080", "10.0.0.2:5080", "10.0.0.3:5080", "10.0.0.4:5080", "10.0.0.5:5080",
                        "10.0.0.6:5080", "10.0.0.2", "10.0.0.2:5081", "e1", "a1", "o1", "ghost", "127.0.0.1:22",
                        "169.254.169.254", "localhost:5080", "[::1]:5080", "10.0.0.2:5080/../x", "e1@10.0.0.9"),
                Arbitraries.strings().ofMaxLength(30));
        Arbitrary<Target> byHost = hosts.map(h -> new Target(h, null, null, null, false));
        Arbitrary<Target> byToken = Combinators.combine(Arbitraries.of("o1", "e1", "e2", "e3", "a1", "r1", "ghost"),
                Arbitraries.of("whip", "whep", "hls"),
                Arbitraries.of("/live/whep/resource/x", "/live/whip/resource/y", "x", "/"),
                Arbitraries.of(0, 1, 2)).as((node, kind, resource, how) -> {
                    RouteTokens.Route r = new RouteTokens.Route(node, kind, resource);
                    return switch (how) {
                        case 0 -> new Target(null, TOKENS.issue(r), node, kind, resource.startsWith("/"));
                        case 1 -> new Target(null, OTHER_TIER.issue(r), node, kind, false);
                        default -> new Target(null, tamper(TOKENS.issue(r)), node, kind, false);
                    };
                });
        Arbitrary<Target> junkToken = Arbitraries.strings().withChars("eyJabcXYZ012-_.").ofMinLength(1).ofMaxLength(60)
                .map(t -> new Target(null, t, null, null, false));
        return Arbitraries.oneOf(byHost, byToken, junkToken, Arbitraries.just(new Target(null, null, null, null, false)));
    }

    private static String tamper(String jwt) {
        int dot = jwt.indexOf('.');
        char c = jwt.charAt(dot + 3);
        return jwt.substring(0, dot + 3) + (c == 'A' ? 'B' : 'A') + jwt.substring(dot + 4);
    }

    @Property(tries = 3000)
    void aRouteNamesANodeOfTheClusterThatMayTakeTheRequestOrIsRefused(
            @ForAll("targets") Target t, @ForAll("methods") String method, @ForAll("kinds") String kindWord) {
        ClusterModel cluster = cluster();
        NodeRouter router = new NodeRouter(cluster, TOKENS);
        String below = t.token() != null ? kindWord + "/resource/" + t.token() : kindWord + "/live/s";
        String query = t.host() != null ? "host=" + java.net.URLEncoder.encode(t.host(), java.nio.charset.StandardCharsets.UTF_8)
                : "";
        RelayPath path;
        try {
            path = RelayPath.sm2(below);
        } catch (ApiException | ClusterException e) {
            return; // a token that is no path segment: refused before routing
        }
        Exchange ex = new Exchange(new In(method, RelayPath.SM2_BASE + below, query), path, System.nanoTime());
        Exchange.Route route;
        try {
            route = router.route(ex);
        } catch (ApiException e) {
            assertThat(e.status()).isBetween(400, 599);
            return;
        } catch (ClusterException e) {
            return; // mapped to its status by the one failure map, tested on its own
        }
        Node node = route.node();
        Node known = cluster.findById(node.id()).orElse(null);
        assertThat(known).as("routed to a node the cluster does not know: %s", node).isNotNull();
        assertThat(known.address()).isEqualTo(node.address());
        assertThat(route.nodePath()).startsWith("/").doesNotContain("..");
        boolean onSession = "PATCH".equals(method) || "DELETE".equals(method);
        if (t.token() != null) {
            assertThat(t.genuine()).as("a forged or altered token was routed").isTrue();
            assertThat(node.id()).isEqualTo(t.tokenNode());
            assertThat(t.tokenKind()).isEqualTo(kindWord);
            assertThat(node.servesExistingSessions()).isTrue();
            return;
        }
        assertThat(node.role().can(RelayKind.of(kindWord).capability())).isTrue();
        assertThat(onSession ? node.servesExistingSessions() : node.inService()).isTrue();
        if (t.host() != null && !t.host().isEmpty()) {
            assertThat(List.of(node.address(), node.id())).contains(t.host());
        } else {
            assertThat(onSession).as("a session request without its resource URL or host was routed").isFalse();
        }
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("OPTIONS", "POST", "PATCH", "DELETE");
    }

    @Provide
    Arbitrary<String> kinds() {
        return Arbitraries.of("whip", "whep");
    }
}
