package org.smproxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterDigestTest {

    @Test
    void theSignatureIsTheHexSha256OfActionTimestampAndPassword() {
        // Red5's documented example input; the value is sha256sum's of the same string
        assertThat(ClusterDigest.signature("provision.create", 1627312266556L, "changeme"))
                .isEqualTo("fb5d99b58cf7b8dca4d5c381338e57352ed10204a1b16e3cb663036abcae5df7");
    }

    @Test
    void signingReplacesTheClientsOwnSignatureParametersAndKeepsTheRest() {
        String signed = ClusterDigest.sign("a=1&action=x&signature=forged&timestamp=1&b=%20", "provision.delete",
                1601527953384L, "s3cret");
        assertThat(signed).isEqualTo("a=1&b=%20&action=provision.delete&timestamp=1601527953384"
                + "&signature=b8bf8efb609cda2128766236e912153654e184d6b427b147b4391d193710dec3");
        assertThat(ClusterDigest.sign(null, "a b", 1, "p")).startsWith("action=a+b&timestamp=1&signature=");
    }
}
