package org.smproxy.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Node HTTP details that need no media: routes, SDP fragments, Location handling, OPTIONS. */
class SimNodeHttpTest {

    @Test
    void parsesRed5PathsWithRooms() {
        Route route = Route.parse("/live/room1/desk/whep/resource/cam").orElseThrow();
        assertThat(route.app()).isEqualTo("live");
        assertThat(route.streamGuid()).isEqualTo("live/room1/desk/cam");
        assertThat(route.whep()).isTrue();
        assertThat(route.resource()).isTrue();
        assertThat(route.resourcePath()).isEqualTo("/live/room1/desk/whep/resource/cam");
        assertThat(Route.parse("/whip/endpoint/cam")).isEmpty();
        assertThat(Route.parse("/live/whip/endpoint/")).isEmpty();
    }

    @Test
    void readsTheFragmentRed5SdkSends() {
        String sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-ufrag:abcd\r\na=ice-pwd:secretsecretsecretsecret\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
                + "a=candidate:1 1 udp 2122260223 10.203.0.1 50000 typ host\r\nm=application 9 UDP/DTLS/SCTP\r\n"
                + "a=mid:1\r\na=candidate:2 1 udp 2122260223 10.203.0.1 50001 typ host\r\n";
        String fragment = SdpFrag.fromLocalDescription(sdp);
        assertThat(fragment).startsWith("a=ice-ufrag:abcd\r\na=ice-pwd:").endsWith("a=end-of-candidates\r\n");

        SdpFrag frag = SdpFrag.parse(fragment);
        assertThat(frag.iceUfrag()).isEqualTo("abcd");
        assertThat(frag.endOfCandidates()).isTrue();
        assertThat(frag.candidates()).hasSize(2)
                .allSatisfy(c -> assertThat(c.sdpMid).isEqualTo("0"))
                .allSatisfy(c -> assertThat(c.sdp).startsWith("candidate:"));
    }

    @Test
    void derivesResourceUrlsLikeTheSdk() {
        URI whep = URI.create("https://sm.example:8443/as/v1/proxy/whep/live/s?requestId=r1");
        assertThat(SimHttp.resourceUrl(whep, null)).isEqualTo(whep);
        assertThat(SimHttp.resourceUrl(whep, "/as/v1/proxy/whep/live/s?x=1"))
                .isEqualTo(URI.create("https://sm.example:8443/as/v1/proxy/whep/live/s?requestId=r1"));
        URI node = URI.create("http://10.0.0.1:5080/live/whep/endpoint/s?requestId=r1");
        assertThat(SimHttp.resourceUrl(node, "/live/whep/resource/s"))
                .isEqualTo(URI.create("http://10.0.0.1:5080/live/whep/resource/s?requestId=r1"));
        assertThat(SimHttp.resourceUrl(node, "http://other:1/x/endpoint/y")).isEqualTo(URI.create("http://other:1/x/resource/y"));
    }

    @Test
    void optionsAdvertisesConfiguredIceServers() throws Exception {
        String link = "<stun:stun.example.net:3478>; rel=\"ice-server\"";
        try (SimCluster cluster = new SimCluster(SimNodeConfig.defaults().iceServerLinks(List.of(link)))) {
            SimNode node = cluster.startAllInOne("aio-1");
            HttpResponse<String> whip = SimHttp.send("OPTIONS", node.whipEndpoint("live/s"), null, null);
            HttpResponse<String> whep = SimHttp.send("OPTIONS", node.whepEndpoint("live/s", "r1"), null, null);
            assertThat(whip.statusCode()).isEqualTo(204);
            assertThat(whip.headers().allValues("Link")).containsExactly(link);
            assertThat(whep.statusCode()).isEqualTo(204);
            assertThat(whep.headers().allValues("Link")).containsExactly(link);
        }
    }
}
