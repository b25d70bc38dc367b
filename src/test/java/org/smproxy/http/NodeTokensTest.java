package org.smproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;

import org.junit.jupiter.api.Test;
import org.smproxy.testing.ManualClock;

class NodeTokensTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z").toEpochMilli());

    @Test
    void aTokenNamesItsNodeAndGroupAndVerifiesWithTheSameSecretOnly() {
        NodeTokens tokens = new NodeTokens("node-secret-0123456789", Set.of(), clock);
        NodeTokens.Issued issued = tokens.issue("edge-1", "ng1", null);
        NodeTokens.Claims c = tokens.verify(issued.token());
        assertThat(c.nodeId()).isEqualTo("edge-1");
        assertThat(c.nodeGroup()).isEqualTo("ng1");
        assertThat(c.tokenId()).isEqualTo(issued.claims().tokenId()).hasSize(18);
        assertThat(c.expiresAt()).isNull();
        assertThatThrownBy(() -> new NodeTokens("another-secret-0123456789", Set.of(), clock).verify(issued.token()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void expiredRevokedAlteredAndUnsignedTokensAreRefused() {
        NodeTokens tokens = new NodeTokens("node-secret-0123456789", Set.of(), clock);
        String shortLived = tokens.issue("edge-1", null, Duration.ofHours(1)).token();
        clock.advance(Duration.ofHours(2));
        assertThatThrownBy(() -> tokens.verify(shortLived)).hasMessageContaining("expired");

        NodeTokens.Issued leaked = tokens.issue("edge-2", null, null);
        NodeTokens.Issued other = tokens.issue("edge-3", null, null);
        NodeTokens revoking = new NodeTokens("node-secret-0123456789", Set.of(leaked.claims().tokenId()), clock);
        assertThatThrownBy(() -> revoking.verify(leaked.token())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(403));
        assertThat(revoking.verify(other.token()).nodeId()).as("the others still work").isEqualTo("edge-3");

        String[] parts = leaked.token().split("\\.");
        String altered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "xx." + parts[2];
        assertThatThrownBy(() -> tokens.verify(altered)).isInstanceOf(ApiException.class);
        String none = JWT.create().withIssuer("smproxy-node").withSubject("edge-1").withJWTId("x").sign(Algorithm.none());
        assertThatThrownBy(() -> tokens.verify(none)).isInstanceOf(ApiException.class);
        // a session token signed with the same text is not a node token
        String session = new RouteTokens("node-secret-0123456789", Duration.ofHours(1), clock)
                .issue(new RouteTokens.Route("edge-1", "whep", "/x"));
        assertThatThrownBy(() -> tokens.verify(session)).isInstanceOf(ApiException.class);
    }
}
