package org.smproxy.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.smproxy.api.AdminApi;
import org.smproxy.api.AuthApi;
import org.smproxy.api.ConsoleUi;
import org.smproxy.api.EventApi;
import org.smproxy.api.ForwardProxy;
import org.smproxy.api.HealthApi;
import org.smproxy.api.HeartbeatApi;
import org.smproxy.api.MetricsApi;
import org.smproxy.api.OpenApiDocument;
import org.smproxy.api.ProvisionApi;
import org.smproxy.api.ProxySessionsApi;
import org.smproxy.api.StreamsApi;
import org.smproxy.config.ProxyConfig;
import org.smproxy.hls.HlsRelay;
import org.smproxy.http.Admission;
import org.smproxy.http.ApiException;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpIn;
import org.smproxy.http.HttpOut;
import org.smproxy.http.LoginTokens;
import org.smproxy.http.NodeLeg;
import org.smproxy.http.RateLimiter;
import org.smproxy.http.RateLimiter.Kind;
import org.smproxy.http.RouteTable;
import org.smproxy.http.TokenCheck;
import org.smproxy.whip.RelayPath;

/**
 * The proxy's HTTP endpoints and their paths, in Red5's contexts: {@code /as} (SM 2.0), {@code /streammanager}
 * (SM 1.x) and the root (Red5's WHProxy shape). One table per core, so the servlet contexts and the Netty listener
 * serve the same paths with the same endpoint objects. WebSocket upgrades are not routes: each adapter hands them to
 * {@link org.smproxy.ws.WsRouter}.
 */
final class Routes {
    static final String SM2 = "/as";
    static final String SM1 = "/streammanager";
    static final String ROOT = "";

    private Routes() {
    }

    static String contextOf(WebappInstaller.Family family) {
        return switch (family) {
            case SM2 -> SM2;
            case SM1 -> SM1;
            case WHPROXY -> ROOT;
        };
    }

    static RouteTable build(ProxyCore core) {
        Admission admission = core.admission();
        ProxyConfig cfg = core.config();
        RateLimiter limiter = core.rateLimiter();
        TokenCheck admin = new TokenCheck("admin", cfg.adminToken(), limiter, core.adminJwt(), core.loginTokens(),
                Set.of(LoginTokens.ADMIN));
        TokenCheck nodes = new TokenCheck("node", cfg.nodeSecret(), limiter);
        List<RouteTable.Route> r = new ArrayList<>();
        // one cache, both families
        HlsRelay hls = new HlsRelay(core.cluster(), core.hlsCache(), core.sessionTokens(), cfg, core.relayMetrics());
        add(r, admission, "sm2-hls", SM2, hls, "/v1/proxy/hls/*");
        add(r, admission, "sm2-relay", SM2, limited(admitted(withHlsUnderWhep(core.whipWhep().endpoint(RelayPath.Shape.SM2), hls),
                admission), limiter, Kind.OFFERS, "POST"), "/v1/proxy/*");
        // Red5's proxy principal exists for the forward proxy (its cluster digests); the admin may use it too
        TokenCheck forwarding = new TokenCheck("forward", cfg.adminToken(), limiter, core.adminJwt(), core.loginTokens(),
                Set.of(LoginTokens.ADMIN, LoginTokens.PROXY));
        // the longer prefix wins over the relay's /v1/proxy/*, as in a servlet container
        add(r, admission, "sm2-forward", SM2, limited(new ForwardProxy(core.cluster(), core.nodeClient(), forwarding, cfg), limiter,
                Kind.ADMIN, null), "/v1/proxy/forward", "/v1/proxy/forward/*");
        add(r, admission, "sm2-streams", SM2, limited(new StreamsApi(core.cluster()), limiter, Kind.LOOKUPS, null), "/v1/streams/*");
        add(r, admission, "sm2-provision", SM2, limited(new ProvisionApi(core.cluster(), core.store(), admin), limiter, Kind.ADMIN, null),
                "/v1/streams/provision", "/v1/streams/provision/*");
        add(r, admission, "sm2-admin", SM2, limited(new AdminApi(core.cluster(), core.store(), admin, core.nodeTokens(), ErrorDialect.SM2), limiter, Kind.ADMIN, null), "/v1/admin/*");
        add(r, admission, "sm2-nodes", SM2, new HeartbeatApi(core.cluster(), core.store(), nodes, core.nodeTokens(), cfg.nodeAuth(), cfg.heartbeatInterval(),
                cfg.heartbeatTimeout(), cfg.nodeNetworks(), limiter, ErrorDialect.SM2), "/v1/nodes/*");
        add(r, admission, "sm2-rtcproxy", SM2, limited(new ProxySessionsApi(core.sessionDirectory(), admin, ErrorDialect.SM2), limiter, Kind.ADMIN, null),
                "/v1/admin/rtcproxy", "/v1/admin/rtcproxy/*");
        add(r, admission, "sm2-login", SM2, limited(new AuthApi(core.loginTokens(), limiter), limiter, Kind.ADMIN, null),
                "/v1/auth/login");
        add(r, admission, "sm2-health", SM2, new HealthApi(core.cluster(), core.store(), admission, false), "/v1/health");
        add(r, admission, "sm2-ready", SM2, new HealthApi(core.cluster(), core.store(), admission, true), "/v1/ready");
        add(r, admission, "sm2-metrics", SM2, new MetricsApi(core.metrics()), "/v1/metrics");
        add(r, admission, "sm2-openapi", SM2, new OpenApiDocument(), "/v1/openapi.json");
        add(r, admission, "sm2-console", SM2, new ConsoleUi(), "/v1/admin/ui", "/v1/admin/ui/*");

        add(r, admission, "sm1-hls", SM1, hls, "/api/4.0/file/*");
        add(r, admission, "sm1-event", SM1, limited(new EventApi(core.cluster()), limiter, Kind.LOOKUPS, null), "/api/4.0/event/*", "/api/3.1/event/*");
        add(r, admission, "sm1-admin", SM1, limited(new AdminApi(core.cluster(), core.store(), admin, core.nodeTokens(), ErrorDialect.SM1), limiter, Kind.ADMIN, null), "/api/4.0/admin/*");
        add(r, admission, "sm1-proxy-clients", SM1, limited(new ProxySessionsApi(core.sessionDirectory(), admin, ErrorDialect.SM1), limiter, Kind.ADMIN, null),
                "/api/4.0/admin/proxy/*", "/api/3.1/admin/proxy/*");
        add(r, admission, "sm1-nodes", SM1, new HeartbeatApi(core.cluster(), core.store(), nodes, core.nodeTokens(), cfg.nodeAuth(), cfg.heartbeatInterval(),
                cfg.heartbeatTimeout(), cfg.nodeNetworks(), limiter, ErrorDialect.SM1), "/api/4.0/nodes/*");

        // At the root (standalone) the app is part of the path; inside an app's own webapp in Red5 (live), the
        // installer maps the same endpoint at Red5's WHProxy mappings.
        add(r, admission, "whproxy-relay", ROOT, limited(admitted(core.whipWhep().endpoint(RelayPath.Shape.SM1), admission), limiter, Kind.OFFERS, "POST"),
                "/*");
        return new RouteTable(r);
    }

    /**
     * SM 2.0's relay, with HLS also under its WHEP path: Red5's testbed plays a stream's HLS at
     * {@code /as/v1/proxy/whep/<app>/<stream>.m3u8}. A GET or HEAD there is no WHEP request, so it goes to the same
     * HLS relay and cache as {@code /as/v1/proxy/hls/...}, whose rewritten URLs then stay under the WHEP path.
     */
    private static Endpoint withHlsUnderWhep(Endpoint relay, HlsRelay hls) {
        String whep = "/whep";
        return new Wrapped(relay) {
            @Override
            public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
                boolean read = "GET".equals(in.method()) || "HEAD".equals(in.method());
                if (read && within != null && within.startsWith(whep + "/") && HlsRelay.servesFile(within)) {
                    return hls.serve(in, path, within.substring(whep.length()), leg);
                }
                return relay.serve(in, path, within, leg);
            }
        };
    }

    /** A relay whose new sessions (POSTs) wait for a replica that is not shutting down. */
    private static Endpoint admitted(Endpoint relay, Admission admission) {
        return gated(relay, in -> {
            if ("POST".equals(in.method())) {
                admission.admitNew("WHIP/WHEP sessions");
            }
        });
    }

    /** The endpoint behind the client's bucket of this kind, for every method or just one. */
    private static Endpoint limited(Endpoint endpoint, RateLimiter limiter, Kind kind, String method) {
        return gated(endpoint, in -> {
            if (method == null || method.equals(in.method())) {
                limiter.take(kind, limiter.clientOf(in));
            }
        });
    }

    /** The endpoint behind a check that refuses by throwing an {@link ApiException}, answered in its dialect. */
    private static Endpoint gated(Endpoint endpoint, java.util.function.Consumer<HttpIn> gate) {
        return new Wrapped(endpoint) {
            @Override
            public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
                try {
                    gate.accept(in);
                } catch (ApiException e) {
                    return CompletableFuture.completedFuture(endpoint.refuse(in, e));
                }
                return endpoint.serve(in, path, within, leg);
            }
        };
    }

    /**
     * Every request is counted while it is served, so a draining replica knows when it is done; while draining, a
     * new WHIP/WHEP session (a POST on the relay) is refused, and everything else (PATCH, DELETE, APIs, HLS) served.
     */
    private static Endpoint counted(Endpoint endpoint, Admission admission) {
        return new Wrapped(endpoint) {
            @Override
            public CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
                admission.begin();
                CompletableFuture<HttpOut> answer;
                try {
                    answer = endpoint.serve(in, path, within, leg);
                } catch (RuntimeException e) {
                    admission.end();
                    throw e;
                }
                return answer.whenComplete((a, e) -> admission.end());
            }
        };
    }

    /** An endpoint in front of another, with its limit and its dialect. */
    private abstract static class Wrapped implements Endpoint {
        private final Endpoint inner;

        Wrapped(Endpoint inner) {
            this.inner = inner;
        }

        @Override
        public int maxBodyBytes() {
            return inner.maxBodyBytes();
        }

        @Override
        public HttpOut refuse(HttpIn in, Throwable failure) {
            return inner.refuse(in, failure);
        }
    }

    private static void add(List<RouteTable.Route> routes, Admission admission, String name, String context, Endpoint endpoint,
                            String... mappings) {
        routes.add(new RouteTable.Route(name, context, List.of(mappings), counted(endpoint, admission)));
    }
}
