package org.smproxy.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.TokenExpiredException;

import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;

/**
 * Admin access by a JWT from the operator's identity provider, beside (or instead of) the static admin token: one
 * algorithm, pinned by the configured key (HS256 for a secret, RS256 or ES256 for a public key), so a token cannot
 * choose how it is checked ({@code none} and algorithm swaps fail); signature, {@code exp} and {@code nbf}, issuer
 * and audience all required.
 */
public final class AdminJwt {
    private final JWTVerifier verifier;
    private final String algorithm;

    private AdminJwt(Algorithm algorithm, ProxyConfig.AdminJwt cfg, Clock clock) {
        this.algorithm = algorithm.getName();
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm)
                .withIssuer(cfg.issuer()).withAudience(cfg.audience())
                .withClaimPresence("exp").acceptLeeway(5)).build(clock);
    }

    /** Null when no JWT is configured. */
    public static AdminJwt of(ProxyConfig.AdminJwt cfg, Clock clock) {
        if (cfg == null) {
            return null;
        }
        if (cfg.secret() != null) {
            return new AdminJwt(Algorithm.HMAC256(cfg.secret().getBytes(StandardCharsets.UTF_8)), cfg, clock);
        }
        PublicKey key = readPublicKey(cfg.publicKeyFile());
        Algorithm algorithm = key instanceof RSAPublicKey rsa ? Algorithm.RSA256(rsa, null)
                : Algorithm.ECDSA256((ECPublicKey) key, null);
        return new AdminJwt(algorithm, cfg, clock);
    }

    public String algorithm() {
        return algorithm;
    }

    /** @throws ApiException 401 saying what was wrong, never what the right value is */
    public void verify(String token) {
        try {
            verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new ApiException(401, "the admin JWT has expired");
        } catch (AlgorithmMismatchException e) {
            throw new ApiException(401, "the admin JWT is not signed with " + algorithm + ", the one algorithm taken here");
        } catch (MissingClaimException | IncorrectClaimException e) {
            throw new ApiException(401, "the admin JWT's claims do not fit: " + e.getMessage());
        } catch (JWTVerificationException e) {
            throw new ApiException(401, "the admin JWT is not valid: its signature does not match the configured key");
        }
    }

    private static PublicKey readPublicKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("'api.admin.jwt.publicKeyFile' cannot be read: " + file + " (" + e.getMessage() + ")");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("'api.admin.jwt.publicKeyFile' " + file + " is not a PEM public key");
        }
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                PublicKey key = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
                if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
                    throw new ConfigException("'api.admin.jwt.publicKeyFile': an EC key must be on P-256 (ES256)");
                }
                return key;
            } catch (java.security.GeneralSecurityException notThisType) {
                // try the next
            }
        }
        throw new ConfigException("'api.admin.jwt.publicKeyFile' " + file + " holds neither an RSA nor a P-256 EC"
                + " public key (PEM, -----BEGIN PUBLIC KEY-----)");
    }
}
