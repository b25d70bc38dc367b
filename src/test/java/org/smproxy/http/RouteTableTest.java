package org.smproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** The servlet mapping rules the Netty listener applies as Tomcat does. */
class RouteTableTest {
    private static Endpoint named(String name) {
        return new Endpoint() {
            @Override
            public int maxBodyBytes() {
                return 1;
            }

            @Override
            public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
                return CompletableFuture.completedFuture(new HttpOut(200));
            }

            @Override
            public HttpOut refuse(HttpIn in, Throwable failure) {
                return new HttpOut(400);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private final Endpoint relay = named("relay");
    private final Endpoint page = named("page");
    private final Endpoint health = named("health");
    private final Endpoint streams = named("streams");
    private final RouteTable table = new RouteTable(List.of(
            new RouteTable.Route("relay", "", List.of("/*"), relay),
            new RouteTable.Route("health", "/as", List.of("/v1/health"), health),
            new RouteTable.Route("streams", "/as", List.of("/v1/streams/*"), streams)))
            .with(List.of(new RouteTable.Route("page", "", List.of("", "/demo/*"), page)));

    @Test
    void theEmptyMappingIsTheContextRootAloneAndWinsOverTheRootWildcard() {
        assertThat(table.match("/").endpoint()).isSameAs(page);
        assertThat(table.match("/").within()).isNull();
        assertThat(table.match("/live/whep/endpoint/s1").endpoint()).isSameAs(relay);
        assertThat(table.match("/demo/app.js").endpoint()).isSameAs(page);
        assertThat(table.match("/demo/app.js").within()).isEqualTo("/app.js");
    }

    @Test
    void exactThenLongestPrefixInsideTheLongestContext() {
        assertThat(table.match("/as/v1/health").endpoint()).isSameAs(health);
        assertThat(table.match("/as/v1/health/x")).isNull();
        assertThat(table.match("/as/v1/streams").endpoint()).isSameAs(streams);
        assertThat(table.match("/as/v1/streams").within()).isNull();
        assertThat(table.match("/as/v1/streams/ng1/x").within()).isEqualTo("/ng1/x");
        assertThat(table.match("/asx/v1/health").endpoint()).isSameAs(relay); // not the /as context
    }

    @Test
    void withoutExtrasTheTableIsTheSame() {
        assertThat(table.with(List.of())).isSameAs(table);
        assertThat(table.routes()).hasSize(4);
    }
}
