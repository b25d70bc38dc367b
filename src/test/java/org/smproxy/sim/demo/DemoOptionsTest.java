package org.smproxy.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void withoutProxyTheDemoRunsItsOwn() {
        DemoOptions o = DemoOptions.parse(new String[] {"--demo", "--https-port", "0", "--bind", "127.0.0.1"});
        assertThat(o).isEqualTo(new DemoOptions(0, "127.0.0.1"));
        assertThat(o.proxy()).isNull();
    }

    @Test
    void nodesOnlyAgainstABalancerNeedsItsUrlAndAKeystore() {
        DemoOptions o = DemoOptions.parse(new String[] {"--demo", "--proxy", "https://127.0.0.1:8443/",
                "--keystore", "ks.p12", "--https-port", "8444"});
        assertThat(o.proxy()).isEqualTo(URI.create("https://127.0.0.1:8443"));
        assertThat(o.keystore()).isEqualTo(Path.of("ks.p12"));
        assertThat(o.httpsPort()).isEqualTo(8444);

        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--demo", "--proxy", "https://127.0.0.1:8443"}))
                .hasMessageContaining("--proxy and --keystore go together");
    }

    @Test
    void aProxyUrlIsHttpsWithHostAndPortOnly() {
        for (String bad : new String[] {"http://127.0.0.1:8443", "https://127.0.0.1", "https://h:8443/as", "not a url"}) {
            assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--demo", "--proxy", bad, "--keystore", "k"}))
                    .as(bad).hasMessageContaining("--proxy must be https://HOST:PORT");
        }
    }
}
