package org.smproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Properties;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.testing.ManualClock;

class AdminJwtTest {
    static final String SECRET = "admin-jwt-secret-0123456789abcdef";
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z").toEpochMilli());

    @TempDir
    Path dir;

    private AdminJwt configured(String... keyValues) {
        Properties p = new Properties();
        p.setProperty("api.admin.jwt.issuer", "https://idp.example");
        p.setProperty("api.admin.jwt.audience", "smproxy-admin");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return AdminJwt.of(ProxyConfig.fromProperties(p, dir).adminJwt(), clock);
    }

    private JWTCreator.Builder token() {
        Instant now = clock.instant();
        return JWT.create().withIssuer("https://idp.example").withAudience("smproxy-admin").withSubject("ops")
                .withIssuedAt(now).withExpiresAt(now.plus(Duration.ofMinutes(10)));
    }

    @Test
    void anHs256TokenWithTheRightIssuerAudienceAndLifetimeIsTaken() {
        AdminJwt jwt = configured("api.admin.jwt.secret", SECRET);
        jwt.verify(token().sign(Algorithm.HMAC256(SECRET)));
        assertThat(jwt.algorithm()).isEqualTo("HS256");
    }

    @Test
    void everyOtherTokenIsRefusedWithAReason() {
        AdminJwt jwt = configured("api.admin.jwt.secret", SECRET);
        Algorithm right = Algorithm.HMAC256(SECRET);
        assertRefused(jwt, token().withIssuer("https://evil.example").sign(right), "claims");
        assertRefused(jwt, token().withAudience("another-service").sign(right), "claims");
        assertRefused(jwt, token().sign(Algorithm.HMAC256("some-other-secret-0123456789")), "not valid");
        assertRefused(jwt, token().sign(Algorithm.none()), "algorithm");
        assertRefused(jwt, token().withNotBefore(clock.instant().plus(Duration.ofMinutes(5))).sign(right), "used before");
        assertRefused(jwt, JWT.create().withIssuer("https://idp.example").withAudience("smproxy-admin").sign(right),
                "claims"); // no exp: a token that never ends is not taken
        String expiring = token().sign(right);
        clock.advance(Duration.ofMinutes(11));
        assertRefused(jwt, expiring, "expired");
    }

    @Test
    void aPublicKeyPinsRs256OrEs256AndAnHmacSwapWithThatKeyFails() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        Path rsaPem = pem("rsa.pem", rsa);
        AdminJwt byRsa = configured("api.admin.jwt.publicKeyFile", rsaPem.toString());
        assertThat(byRsa.algorithm()).isEqualTo("RS256");
        byRsa.verify(token().sign(Algorithm.RSA256((RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate())));
        // the classic confusion: HS256 "signed" with the public key's bytes
        assertRefused(byRsa, token().sign(Algorithm.HMAC256(Files.readAllBytes(rsaPem))), "algorithm");

        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(256);
        KeyPair ec = ecGen.generateKeyPair();
        AdminJwt byEc = configured("api.admin.jwt.publicKeyFile", pem("ec.pem", ec).toString());
        assertThat(byEc.algorithm()).isEqualTo("ES256");
        byEc.verify(token().sign(Algorithm.ECDSA256((ECPublicKey) ec.getPublic(), (ECPrivateKey) ec.getPrivate())));
    }

    @Test
    void aHalfConfigurationIsAStartUpError() throws Exception {
        Properties p = new Properties();
        p.setProperty("api.admin.jwt.secret", SECRET);
        assertThatThrownBy(() -> ProxyConfig.fromProperties(p, dir)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("api.admin.jwt.issuer");
        assertThatThrownBy(() -> configured("api.admin.jwt.secret", SECRET, "api.admin.jwt.publicKeyFile", "k.pem"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("both set");
        Files.writeString(dir.resolve("junk.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> configured("api.admin.jwt.publicKeyFile", "junk.pem"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("api.admin.jwt.publicKeyFile");
        assertThatThrownBy(() -> configured("api.admin.jwt.secret", "change-me-please-0123"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("placeholder");
    }

    private Path pem(String name, KeyPair pair) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        return f;
    }

    private static void assertRefused(AdminJwt jwt, String token, String reason) {
        assertThatThrownBy(() -> jwt.verify(token)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).contains(reason);
        });
    }
}
