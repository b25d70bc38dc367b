package org.smproxy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.config.ConfigException;
import org.smproxy.config.Networks;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.HttpIn;
import org.smproxy.http.RateLimiter;
import org.smproxy.http.RouteTokens;
import org.smproxy.whip.RelayPath;

/**
 * What a client controls, thrown at the parsers and validators that read it: each input is accepted and round-trips,
 * or refused with the error that becomes a 4xx; no other exception escapes.
 */
class ParserPropertiesTest {

    /** Characters that have broken URL handling somewhere: separators, encodings, dots, controls, non-ASCII. */
    private static final String TRICKY = "aZ09._~@+=-/\\%2f?#;: \t\r\n\u0000..\u00e9\u202e\ud83d\ude00";

    @Provide
    Arbitrary<String> pathLike() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings().withChars(TRICKY).ofMaxLength(12),
                Arbitraries.of("..", ".", "", "live", "stream1", "%2e%2e", "whip", "whep", "endpoint", "resource"),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(300));
        return segment.list().ofMaxSize(12).map(l -> String.join("/", l));
    }

    @Property(tries = 2000)
    void aStreamGuidIsPlainSegmentsOrRefusedAsABadRequest(@ForAll("pathLike") String value) {
        StreamGuid guid;
        try {
            guid = new StreamGuid(value);
        } catch (ClusterException.InvalidRequest refused) {
            assertThat(StreamGuid.isValid(value)).isFalse();
            return;
        }
        assertThat(guid.value()).isEqualTo(value);
        assertThat(guid.scope() + "/" + guid.name()).isEqualTo(value);
        assertThat(value.length()).isLessThanOrEqualTo(StreamGuid.MAX_LENGTH);
        for (String segment : value.split("/", -1)) {
            assertThat(segment).isNotEmpty().doesNotStartWith(".").matches("[A-Za-z0-9._~@+=-]+");
        }
    }

    @Property(tries = 2000)
    void anSm2RelayPathRoundTripsOrIsA4xx(@ForAll("pathLike") String below) {
        RelayPath path;
        try {
            path = RelayPath.sm2(below);
        } catch (ApiException e) {
            assertThat(e.status()).isBetween(400, 499);
            return;
        } catch (ClusterException.InvalidRequest e) {
            return;
        }
        if (path.isResource()) {
            assertThat(below).isEqualTo(path.kind().word() + "/resource/" + path.token());
        } else {
            assertThat(below).isEqualTo(path.kind().word() + "/" + path.stream().value());
        }
    }

    @Property(tries = 2000)
    void anSm1RelayPathNamesAStreamOrATokenOrIsA4xx(@ForAll("pathLike") String path) {
        RelayPath parsed;
        try {
            parsed = RelayPath.sm1(path);
        } catch (ApiException e) {
            assertThat(e.status()).isBetween(400, 499);
            return;
        } catch (ClusterException.InvalidRequest e) {
            return;
        }
        assertThat(path).contains("/" + parsed.kind().word() + "/");
        if (!parsed.isResource()) {
            assertThat(path).endsWith("/" + parsed.stream().name()).startsWith(parsed.stream().scope() + "/");
        }
    }

    @Property(tries = 500)
    void aSessionTokenNotSignedHereIsA403Or404(@ForAll("tokenLike") String token) {
        RouteTokens tokens = new RouteTokens("fuzz-session-secret-0123456789", Duration.ofHours(1), Clock.systemUTC());
        try {
            tokens.verify(token, "whep");
            throw new AssertionError("accepted a token it never issued: " + token);
        } catch (ApiException e) {
            assertThat(e.status()).isIn(403, 404);
        }
    }

    @Provide
    Arbitrary<String> tokenLike() {
        Arbitrary<String> part = Arbitraries.strings().withChars("ABCxyz019-_=.").ofMaxLength(40);
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(200),
                Combinators.combine(part, part, part).as((a, b, c) -> a + "." + b + "." + c),
                // a well-formed token signed with another key, and one with alg none
                Arbitraries.of(new RouteTokens("another-secret-0123456789abcdef", Duration.ofHours(1), Clock.systemUTC())
                                .issue(new RouteTokens.Route("n1", "whep", "/live/whep/resource/x")),
                        "eyJhbGciOiJub25lIn0.eyJuIjoibjEiLCJrIjoid2hlcCIsInIiOiIveCJ9."));
    }

    @Property(tries = 2000)
    void aCidrContainsExactlyTheAddressesSharingItsPrefix(@ForAll byte a, @ForAll byte b, @ForAll byte c, @ForAll byte d,
                                                          @ForAll @IntRange(max = 32) int prefix,
                                                          @ForAll byte e, @ForAll byte f, @ForAll byte g, @ForAll byte h)
            throws Exception {
        byte[] net = {a, b, c, d};
        byte[] probe = {e, f, g, h};
        Networks n = Networks.parse("k", List.of(InetAddress.getByAddress(net).getHostAddress() + "/" + prefix));
        long mask = prefix == 0 ? 0 : 0xFFFFFFFFL << (32 - prefix) & 0xFFFFFFFFL;
        boolean expected = (toLong(net) & mask) == (toLong(probe) & mask);
        assertThat(n.contains(InetAddress.getByAddress(probe))).isEqualTo(expected);
        assertThat(n.contains(InetAddress.getByAddress(net))).isTrue();
    }

    private static long toLong(byte[] ip) {
        return (ip[0] & 0xFFL) << 24 | (ip[1] & 0xFFL) << 16 | (ip[2] & 0xFFL) << 8 | ip[3] & 0xFFL;
    }

    @Property(tries = 1000)
    void anyNetworksValueIsParsedOrAStartUpErrorNamingTheKey(@ForAll("networkLike") String value) {
        try {
            Networks.parse("api.node.allowedNetworks", List.of(value.split(",")));
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains("'api.node.allowedNetworks'");
        }
    }

    @Provide
    Arbitrary<String> networkLike() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789abcdef.:/,unicast ").ofMaxLength(40),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Property(tries = 1000)
    void anyConfigurationValueIsTakenOrAStartUpErrorNamingItsKey(
            @ForAll("keys") String key, @ForAll("configValues") String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        try {
            ProxyConfig.fromProperties(p, null);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains(key);
        }
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.of("proxy.enabled", "cluster.heartbeat.interval", "cluster.heartbeat.timeout",
                "proxy.maxBodySize", "proxy.upstream.timeout", "proxy.ws.maxFrameSize", "proxy.hls.cacheSize",
                "proxy.rateLimit.offers", "proxy.rateLimit.authFailures", "proxy.trustedProxies",
                "api.node.allowedNetworks", "api.admin.token", "proxy.session.secret", "cluster.store",
                "cluster.replica.id", "cluster.store.prefix", "standalone.server", "standalone.https.port",
                "proxy.client.headerTimeout");
    }

    @Provide
    Arbitrary<String> configValues() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(30),
                Arbitraries.strings().withChars("0123456789.smhburst /,-").ofMaxLength(20),
                Arbitraries.of("true", "false", "0", "-1", "99999999999", "10s", "1ms", "20/s burst 50", "off",
                        "unicast", "10.0.0.0/8", "change-me-admin", "redis", "memory", "netty", "tomcat"));
    }

    @Property(tries = 2000)
    void theClientBehindATrustedProxyIsAnAddressLiteralWhateverTheHeadersSay(
            @ForAll("forwardedLike") String xff, @ForAll("forwardedLike") String forwarded) {
        Properties p = new Properties();
        p.setProperty("proxy.trustedProxies", "127.0.0.1,10.0.0.0/8");
        RateLimiter limiter = new RateLimiter(ProxyConfig.fromProperties(p, null).limits());
        Map<String, String> headers = new HashMap<>();
        headers.put("X-Forwarded-For", xff.isEmpty() ? null : xff);
        headers.put("Forwarded", forwarded);
        String client = limiter.clientOf(new HttpIn() {
            public String method() { return "GET"; }
            public String path() { return "/"; }
            public String rawQuery() { return null; }
            public String header(String name) { return headers.get(name); }
            public String remoteAddress() { return "127.0.0.1"; }
            public int remotePort() { return 1; }
            public boolean secure() { return true; }
            public byte[] body() { return new byte[0]; }
        });
        assertThat(Networks.literal(client)).as(client).isNotNull();
    }

    @Provide
    Arbitrary<String> forwardedLike() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(60),
                Arbitraries.strings().withChars("0123456789.:[]\", ;=forabcdef").ofMaxLength(60),
                Arbitraries.of("203.0.113.9", "for=203.0.113.9", "[::1]:80", "999.1.1.1", "1.2.3.4:99999", ","));
    }
}
