package org.smproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;

class RateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private RateLimiter limiter(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return new RateLimiter(ProxyConfig.fromProperties(p, null).limits(), now::get);
    }

    private void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    @Test
    void aBurstIsServedThenTheRateWithRetryAfterSayingWhen() {
        RateLimiter l = limiter("proxy.rateLimit.offers", "2/s burst 3");
        for (int i = 0; i < 3; i++) {
            l.take(RateLimiter.Kind.OFFERS, "198.51.100.1");
        }
        assertThatThrownBy(() -> l.take(RateLimiter.Kind.OFFERS, "198.51.100.1")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.retryAfterSeconds()).isEqualTo(1);
            assertThat(e.getMessage()).contains("WHIP/WHEP offers from 198.51.100.1", "2/s burst 3", "proxy.rateLimit.offers");
        });
        l.take(RateLimiter.Kind.OFFERS, "198.51.100.2"); // another client has its own bucket
        advanceMillis(499);
        assertThatThrownBy(() -> l.take(RateLimiter.Kind.OFFERS, "198.51.100.1")).isInstanceOf(ApiException.class);
        advanceMillis(2);
        l.take(RateLimiter.Kind.OFFERS, "198.51.100.1"); // half a second at 2/s refills one
        assertThat(l.refused(RateLimiter.Kind.OFFERS)).isEqualTo(2);
        advanceMillis(60_000);
        for (int i = 0; i < 3; i++) { // refilled up to the burst, never past it
            l.take(RateLimiter.Kind.OFFERS, "198.51.100.1");
        }
        assertThatThrownBy(() -> l.take(RateLimiter.Kind.OFFERS, "198.51.100.1")).isInstanceOf(ApiException.class);
    }

    @Test
    void aSlowRateSaysHowManySecondsToWait() {
        RateLimiter l = limiter("proxy.rateLimit.admin", "0.1/s burst 1");
        l.take(RateLimiter.Kind.ADMIN, "a");
        assertThatThrownBy(() -> l.take(RateLimiter.Kind.ADMIN, "a"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.retryAfterSeconds()).isEqualTo(10));
    }

    @Test
    void kindsAreCountedApartAndOffMeansUnlimited() {
        RateLimiter l = limiter("proxy.rateLimit.offers", "1/s burst 1", "proxy.rateLimit.lookups", "off");
        l.take(RateLimiter.Kind.OFFERS, "a");
        l.take(RateLimiter.Kind.WEBSOCKET, "a");
        for (int i = 0; i < 10_000; i++) {
            l.take(RateLimiter.Kind.LOOKUPS, "a");
        }
        RateLimiter disabled = limiter("proxy.rateLimit.enabled", "false");
        for (int i = 0; i < 10_000; i++) {
            disabled.take(RateLimiter.Kind.OFFERS, "a");
        }
    }

    @Test
    void tokenGuessesAreCountedAndPastTheBudgetEvenTheRightTokenWaits() {
        RateLimiter l = limiter("proxy.rateLimit.authFailures", "1/s burst 3");
        for (int i = 0; i < 3; i++) {
            l.beforeTokenCheck("a");
            l.tokenFailed("a");
        }
        assertThatThrownBy(() -> l.beforeTokenCheck("a")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(429));
        l.beforeTokenCheck("b");
        advanceMillis(1000);
        l.beforeTokenCheck("a");
        assertThat(l.authFailures()).isEqualTo(3);
        assertThat(l.refused(RateLimiter.Kind.AUTH_FAILURES)).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} | {1} | {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        // peer | X-Forwarded-For | Forwarded | client
        "127.0.0.1 | 203.0.113.9 | | 203.0.113.9",
        "127.0.0.1 | 198.51.100.7, 203.0.113.9 | | 203.0.113.9",        // the nearest hop the trusted proxy saw
        "127.0.0.1 | 203.0.113.9, 10.0.0.2 | | 203.0.113.9",           // past a second trusted proxy
        "127.0.0.1 | 10.0.0.3, 10.0.0.2 | | 10.0.0.3",                 // all trusted: the farthest one
        "127.0.0.1 | forged-name, 203.0.113.9 | | 203.0.113.9",
        "127.0.0.1 | 203.0.113.9, not-an-address | | 127.0.0.1",       // junk ends the walk at the peer
        "127.0.0.1 | 203.0.113.9:4711 | | 203.0.113.9",
        "127.0.0.1 | [2001:db8::5]:4711 | | 2001:db8:0:0:0:0:0:5",
        "127.0.0.1 | | for=203.0.113.9;proto=https | 203.0.113.9",
        "127.0.0.1 | | for=\"[2001:db8::5]:80\", for=10.0.0.2 | 2001:db8:0:0:0:0:0:5",
        "127.0.0.1 | | | 127.0.0.1",
        "198.51.100.1 | 203.0.113.9 | | 198.51.100.1",                // an untrusted peer cannot name someone else
    })
    void theClientIsThePeerUnlessATrustedProxySaysOtherwise(String peer, String xff, String forwarded, String client) {
        RateLimiter l = limiter("proxy.trustedProxies", "127.0.0.1, 10.0.0.0/8");
        Map<String, String> headers = new HashMap<>();
        if (xff != null) {
            headers.put("X-Forwarded-For", xff);
        }
        if (forwarded != null) {
            headers.put("Forwarded", forwarded);
        }
        assertThat(l.clientOf(request(peer, headers))).isEqualTo(client);
    }

    @Test
    void withNoTrustedProxiesForwardingHeadersAreIgnored() {
        assertThat(limiter().clientOf(request("127.0.0.1", Map.of("X-Forwarded-For", "203.0.113.9")))).isEqualTo("127.0.0.1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"20 per second", "20/s burst", "0/s burst 5", "5/s burst 0", "fast", "-1/s"})
    void aRateThatIsNotOneIsAStartUpErrorNamingTheKey(String value) {
        assertThatThrownBy(() -> limiter("proxy.rateLimit.websocket", value)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'proxy.rateLimit.websocket'");
    }

    @Test
    void theDefaultsAreOnAndNoHumanMeetsThem() {
        ProxyConfig.Limits l = ProxyConfig.defaults().limits();
        assertThat(l.enabled()).isTrue();
        assertThat(l.offers()).hasToString("20/s burst 50");
        assertThat(l.webSocket()).hasToString("20/s burst 50");
        assertThat(l.lookups()).hasToString("50/s burst 100");
        assertThat(l.heartbeats()).hasToString("10/s burst 20");
        assertThat(l.admin()).hasToString("20/s burst 50");
        assertThat(l.authFailures()).hasToString("1/s burst 10");
        assertThat(l.trustedProxies().isEmpty()).isTrue();
    }

    private static HttpIn request(String peer, Map<String, String> headers) {
        return new HttpIn() {
            public String method() { return "GET"; }
            public String path() { return "/"; }
            public String rawQuery() { return null; }
            public String header(String name) { return headers.get(name); }
            public String remoteAddress() { return peer; }
            public int remotePort() { return 4000; }
            public boolean secure() { return true; }
            public byte[] body() { return new byte[0]; }
        };
    }
}
