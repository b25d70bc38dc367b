package org.smproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetworksTest {
    private static final Networks UNICAST = Networks.parse("k", List.of("unicast"));

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, a loopback address",
        "127.255.0.1, a loopback address",
        "::1, a loopback address",
        "0.0.0.0, an unspecified address",
        "::, an unspecified address",
        "0.1.2.3, a reserved or metadata-service address",
        "169.254.169.254, a link-local address",
        "fe80::1, a link-local address",
        "224.0.0.1, a multicast address",
        "ff02::1, a multicast address",
        "255.255.255.255, a reserved or metadata-service address",
        "fd00:ec2::254, a reserved or metadata-service address",
        "100.100.100.200, a reserved or metadata-service address",
        "::ffff:127.0.0.1, a loopback address", // IPv4-mapped: the JDK gives back the IPv4 address
    })
    void unicastRefusesWhatAHostOrItsCloudKeepsForItself(String address, String kind) throws Exception {
        assertThat(UNICAST.refusal(InetAddress.getByName(address))).isEqualTo(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1", "8.8.8.8", "203.0.113.7",
        "fd00:ec2::253", "fd12::1", "2001:db8::1", "169.253.255.255", "169.255.0.0"})
    void unicastAllowsPublicAndPrivateUnicast(String address) throws Exception {
        assertThat(UNICAST.refusal(InetAddress.getByName(address))).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.1, false",
        "10.1.2.0/23, 10.1.3.255, true",
        "10.1.2.0/23, 10.1.4.0, false",
        "10.1.2.3, 10.1.2.3, true",
        "10.1.2.3, 10.1.2.4, false",
        "0.0.0.0/0, 169.254.169.254, true",
        "fd00::/8, fd12::1, true",
        "fd00::/8, fe80::1, false",
        "2001:db8::/33, 2001:db8:7fff::1, true",
        "2001:db8::/33, 2001:db8:8000::1, false",
        "10.0.0.0/8, ::ffff:10.0.0.1, true",
        "fd00::/8, 10.0.0.1, false",
    })
    void aListedNetworkAloneAllowsItsAddresses(String cidr, String address, boolean allowed) throws Exception {
        Networks only = Networks.parse("k", List.of(cidr));
        assertThat(only.refusal(InetAddress.getByName(address)) == null).isEqualTo(allowed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.3.3.3", "8.8.8.8"})
    void unicastPlusLoopbackIsHowATestOrDemoAllowsItsLocalNodes(String address) throws Exception {
        Networks local = Networks.parse("k", List.of("unicast", "127.0.0.0/8"));
        assertThat(local.refusal(InetAddress.getByName(address))).isNull();
        assertThat(local.refusal(InetAddress.getByName("169.254.169.254"))).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "example.com", "example.com/8", "10.0.0/8x",
        "fd00::/129", "", "unicastt"})
    void aBadItemIsAStartUpErrorNamingTheKey(String item) {
        assertThatThrownBy(() -> Networks.parse("api.node.allowedNetworks", List.of(item)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'api.node.allowedNetworks'");
    }
}
