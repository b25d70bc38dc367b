package org.smproxy.whip;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.http.RouteTokens;
import org.smproxy.standalone.StandaloneServer;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The relay's wire behaviour against stand-in nodes on real sockets: routing, what reaches a node and what comes
 * back, self-routing resource URLs, refusals that never reach a node, and the proxy's own failures. Run once through
 * each server adapter (the servlet relay on Tomcat, the Netty listener) of the same proxy: both must answer alike.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class RelayProtocolTest {
    static final String SECRET = "nodes-0123456789abcdef";
    static final String SESSION_SECRET = "relay-session-secret";
    static final String SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n";
    static final String FRAG = "a=ice-ufrag:abcd\r\na=ice-pwd:efgh\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
            + "a=candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host\r\na=end-of-candidates\r\n";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static StandaloneServer server;
    static HttpClient client;
    static String base;
    static RecordingNode originLight;
    static RecordingNode originBusy;
    static RecordingNode edgeLight;
    static RecordingNode edgeBusy;
    static RecordingNode failoverOrigin;
    static ServerSocket silent;
    static List<RecordingNode> all;

    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(dir, "{\"nodeGroups\":[{\"name\":\"ng1\",\"shuffleSizeExpression\":\"1\"},"
                + "{\"name\":\"ng-fail\",\"shuffleSizeExpression\":\"1\"},{\"name\":\"ng-dead\"},{\"name\":\"ng-slow\"}]}",
                Map.of("cluster.defaultNodeGroup", "ng1", "cluster.heartbeat.timeout", "10m", "api.node.secret", SECRET,
                        "proxy.upstream.timeout", "1s", "proxy.upstream.connectTimeout", "1s",
                        "proxy.session.secret", SESSION_SECRET, "standalone.server", "tomcat", "standalone.netty.port", "0"));
        server = proxy.server;
        client = proxy.client;
        base = proxy.base;

        originLight = new RecordingNode();
        originBusy = new RecordingNode();
        edgeLight = new RecordingNode();
        edgeBusy = new RecordingNode();
        failoverOrigin = new RecordingNode();
        all = List.of(originLight, originBusy, edgeLight, edgeBusy, failoverOrigin);
        heartbeat("o-light", "ng1", "origin", originLight.port(), 10, "");
        heartbeat("o-busy", "ng1", "origin", originBusy.port(), 50, "");
        heartbeat("e-light", "ng1", "edge", edgeLight.port(), 5, "live/s1");
        heartbeat("e-busy", "ng1", "edge", edgeBusy.port(), 20, "live/s1");
        heartbeat("o-refusing", "ng-fail", "origin", closedPort(), 0, "");
        heartbeat("o-alive", "ng-fail", "origin", failoverOrigin.port(), 50, "");
        heartbeat("o-dead", "ng-dead", "origin", closedPort(), 0, "");
        silent = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
        heartbeat("o-silent", "ng-slow", "origin", silent.getLocalPort(), 0, "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (all != null) {
            all.forEach(RecordingNode::close);
        }
        if (silent != null) {
            silent.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @BeforeEach
    void forgetRequests() {
        all.forEach(RecordingNode::clear);
    }

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static void heartbeat(String id, String group, String role, int port, int clients, String stream) throws Exception {
        String streams = stream.isEmpty() ? "[]" : "[{\"streamGuid\":\"" + stream + "\",\"publishing\":false}]";
        String body = "{\"id\":\"" + id + "\",\"nodeGroup\":\"" + group + "\",\"role\":\"" + role + "\","
                + "\"publicAddress\":\"127.0.0.1\",\"httpPort\":" + port + ",\"state\":\"INSERVICE\","
                + "\"metrics\":{\"connections.client\":" + clients + "},\"streams\":" + streams + "}";
        HttpResponse<String> r = Https.send(client, "POST", base + "/as/v1/nodes/heartbeat", body,
                "Authorization", "Bearer " + SECRET, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static String address(RecordingNode node) {
        return "127.0.0.1:" + node.port();
    }

    /** The relay under test: the servlet relay on the Tomcat port, or the Netty listener. */
    String relayBase() {
        return "netty".equals(adapter) ? "https://127.0.0.1:" + server.nettyPort() : base;
    }

    HttpResponse<String> call(String method, String pathAndQuery, String contentType, String body,
                              String... headers) throws Exception {
        List<String> h = new ArrayList<>(List.of(headers));
        if (contentType != null) {
            h.addAll(List.of("Content-Type", contentType));
        }
        return Https.send(client, method, pathAndQuery.startsWith("http") ? pathAndQuery : relayBase() + pathAndQuery, body,
                h.toArray(new String[0]));
    }

    static void assertNoNodeSawAnything() {
        all.forEach(n -> assertThat(n.seen()).isEmpty());
    }

    static void assertJsonError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains(message);
    }

    @Test
    void optionsWithoutHostGoesToTheLeastLoadedOriginAndNamesItInSessionHost() throws Exception {
        HttpResponse<String> r = call("OPTIONS", "/as/v1/proxy/whip/live/cam1?signal=true&nodeGroup=ng1", null, null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("Session-Host")).hasValue(address(originLight));
        assertThat(r.headers().firstValue("Link")).hasValueSatisfying(l -> assertThat(l).contains("ice-server"));
        RecordingNode.Seen seen = originLight.last();
        assertThat(seen.method()).isEqualTo("OPTIONS");
        assertThat(seen.path()).isEqualTo("/live/whip/endpoint/cam1");
        assertThat(seen.query()).isEqualTo("signal=true");
    }

    @Test
    void aWhipSessionIsCreatedPatchedAndDeletedOnTheSameNodeThroughItsResourceUrl() throws Exception {
        String q = "?signal=true&nodeGroup=ng1&mode=live&keyFramerate=3000&username=u%40x&host=" + address(originBusy);
        HttpResponse<String> post = call("POST", "/as/v1/proxy/whip/live/room1/cam2" + q, "application/sdp", SDP);
        assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
        assertThat(post.body()).isEqualTo(RecordingNode.OFFER);
        assertThat(post.headers().firstValue("Session-Host")).hasValue(address(originBusy));
        assertThat(post.headers().firstValue("ETag")).hasValue("\"e1\"");
        String location = post.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/as/v1/proxy/whip/resource/eyJ");

        RecordingNode.Seen atNode = originBusy.last();
        assertThat(atNode.path()).isEqualTo("/live/room1/whip/endpoint/cam2");
        assertThat(atNode.query()).isEqualTo("signal=true&mode=live&keyFramerate=3000&username=u%40x");
        assertThat(atNode.body()).isEqualTo(SDP);
        assertThat(atNode.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(atNode.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(atNode.header("X-Forwarded-For-Meta-Type")).isEqualTo("WEB");
        assertThat(atNode.header("X-Forwarded-For-Meta-Secure")).isEqualTo("true");
        assertThat(atNode.header("X-Forwarded-For-Meta-Port")).isNotBlank();

        // As Red5's SDK does: the resource URL keeps the endpoint's query; host= names another node, the token wins.
        String resource = location + "?signal=true&nodeGroup=ng1&host=" + address(originLight);
        HttpResponse<String> trickle = call("PATCH", resource, "application/trickle-ice-sdpfrag", FRAG);
        assertThat(trickle.statusCode()).isEqualTo(204);
        assertThat(originBusy.last().method()).isEqualTo("PATCH");
        assertThat(originBusy.last().path()).isEqualTo("/live/room1/whip/resource/cam2");
        assertThat(originBusy.last().query()).isEqualTo("signal=true");
        assertThat(call("DELETE", location, null, null).statusCode()).isEqualTo(200);
        assertThat(originBusy.last().method()).isEqualTo("DELETE");
        assertThat(originLight.seen()).isEmpty();
    }

    @Test
    void redsServerOfferWhepRunsOnTheLeastLoadedEdgeCarryingTheStream() throws Exception {
        String q = "?requestId=subscriber-1&signal=true&nodeGroup=ng1";
        HttpResponse<String> post = call("POST", "/as/v1/proxy/whep/live/s1" + q, null, null);
        assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
        assertThat(post.headers().firstValue("Session-Host")).hasValue(address(edgeLight));
        assertThat(post.body()).contains("a=setup:actpass");
        assertThat(edgeLight.last().path()).isEqualTo("/live/whep/endpoint/s1");
        assertThat(edgeLight.last().query()).isEqualTo("requestId=subscriber-1&signal=true");
        String resource = post.headers().firstValue("Location").orElseThrow() + q;
        assertThat(call("PATCH", resource, "application/sdp", SDP).statusCode()).isEqualTo(201);
        assertThat(call("PATCH", resource, "application/trickle-ice-sdpfrag", FRAG).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", resource, null, null).statusCode()).isEqualTo(200);
        assertThat(edgeLight.seen()).extracting(RecordingNode.Seen::method).containsExactly("POST", "PATCH", "PATCH", "DELETE");
        assertThat(edgeLight.seen()).allSatisfy(s -> assertThat(s.query()).contains("requestId=subscriber-1"));
        assertThat(edgeBusy.seen()).isEmpty();
    }

    @Test
    void red5sHostStylePatchAndDeleteReachTheNamedNodesResource() throws Exception {
        String q = "?requestId=r9&host=" + address(edgeBusy);
        assertThat(call("PATCH", "/as/v1/proxy/whep/live/s1" + q, "application/sdp", SDP).statusCode()).isEqualTo(201);
        assertThat(call("DELETE", "/as/v1/proxy/whep/live/s1" + q, null, null).statusCode()).isEqualTo(200);
        assertThat(edgeBusy.seen()).extracting(RecordingNode.Seen::path)
                .containsExactly("/live/whep/resource/s1", "/live/whep/resource/s1");
    }

    @Test
    void forgedHostsAndTamperedTokensAreRefusedAndNoNodeSeesThem() throws Exception {
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x?host=203.0.113.99", "application/sdp", SDP), 400,
                "not a node of this cluster");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x?host=" + address(edgeLight), "application/sdp", SDP), 400,
                "takes no WHIP sessions");
        String realToken = new RouteTokens(SESSION_SECRET, Duration.ofHours(1), Clock.systemUTC())
                .issue(new RouteTokens.Route("o-light", "whip", "/live/whip/resource/x"));
        String[] parts = realToken.split("\\.");
        String altered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2)
                + (parts[1].endsWith("A") ? "BB" : "AA") + "." + parts[2];
        assertJsonError(call("DELETE", "/as/v1/proxy/whip/resource/" + altered, null, null), 403, "invalid session token");
        String foreign = new RouteTokens("another-tier", Duration.ofHours(1), Clock.systemUTC())
                .issue(new RouteTokens.Route("o-light", "whip", "/live/whip/resource/x"));
        assertJsonError(call("PATCH", "/as/v1/proxy/whip/resource/" + foreign, "application/trickle-ice-sdpfrag", FRAG),
                403, "invalid session token");
        assertJsonError(call("DELETE", "/as/v1/proxy/whep/resource/" + realToken, null, null), 403, "whep");
        assertNoNodeSawAnything();
        assertThat(call("DELETE", "/as/v1/proxy/whip/resource/" + realToken, null, null).statusCode()).isEqualTo(200);
        assertThat(originLight.last().path()).isEqualTo("/live/whip/resource/x");
    }

    @Test
    void flagsAreReadAsOnEveryOtherPathInAnyCase() throws Exception {
        // once a 400 here while the WebSocket and HLS relays took it: one parser now, one behaviour
        HttpResponse<String> r = call("OPTIONS", "/as/v1/proxy/whip/live/x?nodeGroup=ng1&strict=TRUE&transcode=False",
                null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(originLight.last().query()).isNullOrEmpty();
        assertJsonError(call("OPTIONS", "/as/v1/proxy/whip/live/x?nodeGroup=ng1&strict=yes", null, null), 400,
                "'strict' must be true or false");
    }

    @Test
    void badInputGetsAClearErrorAndNothingGoesUpstream() throws Exception {
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x", "text/plain", SDP), 415, "application/sdp");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x", "application/sdp", "hello"), 400, "not an SDP");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x", "application/sdp", ""), 400, "empty");
        assertJsonError(call("PATCH", "/as/v1/proxy/whip/live/x", "application/trickle-ice-sdpfrag", FRAG), 400,
                "resource URL");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x?host=" + address(originLight), "application/json", "{}"),
                415, "application/sdp");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/" + "n".repeat(300), "application/sdp", SDP), 400,
                "characters long");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/..hidden/x", "application/sdp", SDP), 400, "invalid segment");
        assertJsonError(call("POST", "/as/v1/proxy/whip/justname", "application/sdp", SDP), 400, "segments");
        assertJsonError(call("OPTIONS", "/as/v1/proxy/whip/live/x?nodeGroup=nope", null, null), 404, "'nope' not found");
        assertJsonError(call("POST", "/as/v1/proxy/whep/live/not-live?nodeGroup=ng1", null, null), 404, "not published");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x?strict=perhaps", "application/sdp", SDP), 400, "strict");
        assertJsonError(call("GET", "/as/v1/proxy/whip/live/x", null, null), 405, "not allowed");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x", "application/sdp", SDP + "a=x:" + "y".repeat(70_000)),
                413, "larger than");
        assertJsonError(call("POST", "/as/v1/proxy/whip/live/x?q=" + "z".repeat(5000), "application/sdp", SDP), 414, "query");
        assertJsonError(call("POST", "/as/v1/proxy/ftp/live/x", "application/sdp", SDP), 404, "expected");
        HttpResponse<String> encodedSlash = call("POST", "/as/v1/proxy/whip/live%2Fx/y", "application/sdp", SDP);
        assertThat(encodedSlash.statusCode()).isBetween(400, 404);
        assertNoNodeSawAnything();
    }

    @Test
    void corsPreflightsAreAnsweredHereAndAnswersExposeWhatWhipClientsRead() throws Exception {
        HttpResponse<String> preflight = call("OPTIONS", "/as/v1/proxy/whip/live/x?nodeGroup=ng1", null, null,
                "Origin", "https://app.example", "Access-Control-Request-Method", "OPTIONS",
                "Access-Control-Request-Headers", "content-type");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(
                m -> assertThat(m).contains("OPTIONS", "POST", "PATCH", "DELETE"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValue("content-type");
        assertNoNodeSawAnything();
        HttpResponse<String> actual = call("OPTIONS", "/as/v1/proxy/whip/live/x?nodeGroup=ng1", null, null,
                "Origin", "https://app.example");
        assertThat(actual.statusCode()).isEqualTo(204);
        // echoed, with credentials: Red5's pages send credentialed requests, which a literal * would fail
        assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
        assertThat(actual.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
        assertThat(actual.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
        assertThat(actual.headers().firstValue("Access-Control-Expose-Headers")).hasValueSatisfying(
                h -> assertThat(h).contains("Location", "Link", "ETag", "Session-Host"));
        assertThat(originLight.seen()).hasSize(1);
    }

    @Test
    void theNodesStatusAndBodyPassThroughUnchanged() throws Exception {
        originBusy.behave(s -> new RecordingNode.Answer(409, Map.of("Content-Type", "text/plain"), "stream not available"));
        try {
            HttpResponse<String> r = call("POST", "/as/v1/proxy/whip/live/y?host=" + address(originBusy), "application/sdp", SDP);
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).isEqualTo("stream not available");
            assertThat(r.headers().firstValue("Location")).isEmpty();
        } finally {
            originBusy.behave(RecordingNode::red5);
        }
    }

    @Test
    void aNodeRefusingTheConnectionIsReplacedByTheNextBestOnce() throws Exception {
        HttpResponse<String> options = call("OPTIONS", "/as/v1/proxy/whip/live/f?nodeGroup=ng-fail", null, null);
        assertThat(options.statusCode()).isEqualTo(204);
        assertThat(options.headers().firstValue("Session-Host")).hasValue(address(failoverOrigin));
        String refusing = server.core().cluster().findById("o-refusing").orElseThrow().address();
        HttpResponse<String> post = call("POST", "/as/v1/proxy/whip/live/f?host=" + refusing, "application/sdp", SDP);
        assertThat(post.statusCode()).isEqualTo(201);
        assertThat(post.headers().firstValue("Session-Host")).hasValue(address(failoverOrigin));
    }

    @Test
    void anUnreachableNodeIs502AndASilentOneIs504() throws Exception {
        assertJsonError(call("OPTIONS", "/as/v1/proxy/whip/live/d?nodeGroup=ng-dead", null, null), 502, "refused");
        long start = System.nanoTime();
        try (Socket ignored = null) {
            assertJsonError(call("POST", "/as/v1/proxy/whip/live/d?nodeGroup=ng-slow", "application/sdp", SDP), 504,
                    "did not answer within 1000 ms");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theSm1WhproxyShapePicksItsNodeAndRoutesItsResourceToo() throws Exception {
        HttpResponse<String> post = call("POST", "/live/whip/endpoint/cam9?mode=live", "application/sdp", SDP);
        assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
        assertThat(post.headers().firstValue("Session-Host")).hasValue(address(originLight));
        String location = post.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/live/whip/resource/eyJ");
        assertThat(call("PATCH", location, "application/trickle-ice-sdpfrag", FRAG).statusCode()).isEqualTo(204);
        assertThat(originLight.seen()).extracting(RecordingNode.Seen::path)
                .containsExactly("/live/whip/endpoint/cam9", "/live/whip/resource/cam9");
        assertJsonError(call("POST", "/nothing/here", "application/sdp", SDP), 404, "expected");
    }
}
