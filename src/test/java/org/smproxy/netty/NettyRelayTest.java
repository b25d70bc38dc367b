package org.smproxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.cluster.NodeState;
import org.smproxy.testing.Https;
import org.smproxy.testing.RecordingNode;
import org.smproxy.testing.TestProxy;

/**
 * The experimental Netty listener against stand-in nodes on real sockets, over real TLS: the WHEP cycle in Red5's
 * {@code host=} style and through the signed resource URL, and every refusal and failure answered with the same
 * status and body as the servlet relay on the Tomcat port of the same proxy.
 */
class NettyRelayTest {
    static final String SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n";
    static final String FRAG = "a=ice-ufrag:abcd\r\na=ice-pwd:efgh\r\na=candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host\r\n";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RecordingNode edge;
    static RecordingNode drained;
    static ServerSocket silent;
    static int closedPort;
    static TestProxy proxy;
    static String netty;

    @BeforeAll
    static void start() throws Exception {
        edge = new RecordingNode();
        drained = new RecordingNode();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        String cluster = "{\"nodeGroups\":[{\"name\":\"ng1\"}],\"nodes\":["
                + node("edge", edge.port()) + "," + node("drained", drained.port()) + ","
                + node("down", closedPort) + "," + node("silent", silent.getLocalPort()) + "]}";
        proxy = TestProxy.start(dir, cluster, Map.of("proxy.enabled", "true", "standalone.server", "tomcat", "standalone.netty.port", "0",
                "cluster.heartbeat.timeout", "10m", "proxy.upstream.timeout", "1s", "proxy.maxBodySize", "8192"));
        netty = "https://127.0.0.1:" + proxy.server.nettyPort();
        proxy.server.core().cluster().setAdminState("drained", NodeState.SOFT_SUNSET);
    }

    static String node(String id, int port) {
        return "{\"id\":\"" + id + "\",\"role\":\"edge\",\"nodeGroup\":\"ng1\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + port + "}";
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        edge.close();
        drained.close();
        silent.close();
    }

    @BeforeEach
    void forget() {
        edge.clear();
        drained.clear();
    }

    static HttpResponse<String> call(String base, String method, String pathAndQuery, String contentType, String body)
            throws Exception {
        return contentType == null ? Https.send(proxy.client, method, base + pathAndQuery, body)
                : Https.send(proxy.client, method, base + pathAndQuery, body, "Content-Type", contentType);
    }

    /** The same request on the Netty port and on the servlet port: the same status and the same JSON body. */
    static HttpResponse<String> assertSameAsServlet(String method, String pathAndQuery, String contentType, String body)
            throws Exception {
        HttpResponse<String> viaNetty = call(netty, method, pathAndQuery, contentType, body);
        HttpResponse<String> viaServlet = call(proxy.base, method, pathAndQuery, contentType, body);
        assertThat(viaNetty.statusCode()).as(viaNetty.body()).isEqualTo(viaServlet.statusCode());
        assertThat(JSON.readTree(viaNetty.body())).isEqualTo(JSON.readTree(viaServlet.body()));
        assertThat(viaNetty.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        return viaNetty;
    }

    static String host(int port) {
        return "host=127.0.0.1:" + port;
    }

    @Test
    void theWhepCycleReachesTheNamedNodeAndItsAnswersComeBackUnchanged() throws Exception {
        String q = "?requestId=r1&" + host(edge.port());
        HttpResponse<String> options = call(netty, "OPTIONS", "/as/v1/proxy/whep/live/s1" + q, null, null);
        assertThat(options.statusCode()).isEqualTo(204);
        assertThat(options.headers().firstValue("Link")).hasValue("<stun:stun.example.net:3478>; rel=\"ice-server\"");
        assertThat(options.headers().firstValue("Session-Host")).hasValue("127.0.0.1:" + edge.port());

        HttpResponse<String> post = call(netty, "POST", "/as/v1/proxy/whep/live/s1" + q, "application/sdp", SDP);
        assertThat(post.statusCode()).isEqualTo(201);
        assertThat(post.body()).isEqualTo(RecordingNode.OFFER);
        assertThat(post.headers().firstValue("ETag")).hasValue("\"e1\"");
        assertThat(post.headers().firstValue("Cache-Control")).hasValue("no-store");
        String location = post.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/as/v1/proxy/whep/resource/");

        assertThat(call(netty, "PATCH", "/as/v1/proxy/whep/live/s1" + q, "application/trickle-ice-sdpfrag", FRAG)
                .statusCode()).isEqualTo(204);
        // the signed resource URL of the POST routes the session's requests by itself, without host=
        assertThat(call(netty, "PATCH", location, "application/sdp", SDP).statusCode()).isEqualTo(201);
        assertThat(call(netty, "DELETE", "/as/v1/proxy/whep/live/s1" + q, null, null).statusCode()).isEqualTo(200);

        assertThat(edge.seen()).extracting(RecordingNode.Seen::method)
                .containsExactly("OPTIONS", "POST", "PATCH", "PATCH", "DELETE");
        assertThat(edge.seen()).extracting(RecordingNode.Seen::path).containsExactly("/live/whep/endpoint/s1",
                "/live/whep/endpoint/s1", "/live/whep/resource/s1", "/live/whep/resource/s1", "/live/whep/resource/s1");
        RecordingNode.Seen posted = edge.seen().get(1);
        assertThat(posted.query()).isEqualTo("requestId=r1"); // host= is the proxy's, not the node's
        assertThat(posted.body()).isEqualTo(SDP);
        assertThat(posted.header("Content-Type")).isEqualTo("application/sdp");
        assertThat(posted.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(posted.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(posted.header("X-Forwarded-For-Meta-Secure")).isEqualTo("true");
        assertThat(edge.seen().get(2).body()).isEqualTo(FRAG);
    }

    @Test
    void aHostThatIsNoNodeOfTheClusterIsRefusedAsTheServletRelayRefusesIt() throws Exception {
        HttpResponse<String> r = assertSameAsServlet("POST", "/as/v1/proxy/whep/live/s1?host=203.0.113.9:5080",
                "application/sdp", SDP);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("not a node of this cluster");
        assertThat(edge.seen()).isEmpty();
    }

    @Test
    void aNodeNotInServiceTakesNoNewSessions() throws Exception {
        HttpResponse<String> r = assertSameAsServlet("POST", "/as/v1/proxy/whep/live/s1?" + host(drained.port()),
                "application/sdp", SDP);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("takes no new sessions");
        assertThat(drained.seen()).isEmpty();
    }

    @Test
    void anOversizedBodyIs413AndNeverReachesTheNode() throws Exception {
        String big = SDP + "a=x:" + "y".repeat(9000) + "\r\n";
        HttpResponse<String> r = assertSameAsServlet("POST", "/as/v1/proxy/whep/live/s1?" + host(edge.port()),
                "application/sdp", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(edge.seen()).isEmpty();
        // the listener still serves new connections and requests after closing that one
        assertThat(call(netty, "OPTIONS", "/as/v1/proxy/whep/live/s1?" + host(edge.port()), null, null).statusCode())
                .isEqualTo(204);
    }

    @Test
    void aNodeRefusingConnectionsIs502AndASilentOne504AsOnTheServletPath() throws Exception {
        HttpResponse<String> down = assertSameAsServlet("POST", "/as/v1/proxy/whep/live/s1?" + host(closedPort),
                "application/sdp", SDP);
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(down.body()).contains("refused the connection");
        HttpResponse<String> slow = assertSameAsServlet("PATCH", "/as/v1/proxy/whep/live/s1?" + host(silent.getLocalPort()),
                "application/trickle-ice-sdpfrag", FRAG);
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("did not answer within 1000 ms");
    }

    @Test
    void badRequestsGetTheServletRelaysStatusesAndBodies() throws Exception {
        assertThat(assertSameAsServlet("POST", "/as/v1/proxy/whep/live/s1?" + host(edge.port()), "text/plain", SDP)
                .statusCode()).isEqualTo(415);
        assertThat(assertSameAsServlet("GET", "/as/v1/proxy/whep/live/s1", null, null).statusCode()).isEqualTo(405);
        assertThat(assertSameAsServlet("PATCH", "/as/v1/proxy/whep/live/s1", "application/trickle-ice-sdpfrag", FRAG)
                .statusCode()).isEqualTo(400);
        assertThat(assertSameAsServlet("DELETE", "/as/v1/proxy/whep/resource/not.a.token", null, null).statusCode())
                .isEqualTo(403);
        assertThat(edge.seen()).isEmpty();
    }
}
