package org.smproxy.core;

import java.util.ArrayList;
import java.util.List;

import org.smproxy.api.AdminApi;
import org.smproxy.api.EventApi;
import org.smproxy.api.HealthApi;
import org.smproxy.api.HeartbeatApi;
import org.smproxy.api.MetricsApi;
import org.smproxy.api.ProxySessionsApi;
import org.smproxy.api.StreamsApi;
import org.smproxy.config.ProxyConfig;
import org.smproxy.hls.HlsRelay;
import org.smproxy.http.Endpoint;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.RouteTable;
import org.smproxy.http.TokenCheck;
import org.smproxy.whip.RelayPath;

/**
 * The proxy's HTTP endpoints and their paths, in Red5's contexts: {@code /as} (SM 2.0), {@code /streammanager}
 * (SM 1.x) and the root (Red5's WHProxy shape). One table per core, so the servlet contexts and the Netty listener
 * serve the same paths with the same endpoint objects. The WebSocket relay is still servlet-only
 * ({@link WebappInstaller} adds it).
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
        ProxyConfig cfg = core.config();
        TokenCheck admin = new TokenCheck("admin", cfg.adminToken());
        TokenCheck nodes = new TokenCheck("node", cfg.nodeSecret());
        List<RouteTable.Route> r = new ArrayList<>();
        HlsRelay hls = new HlsRelay(core.cluster(), core.hlsCache(), core.sessionTokens(), cfg); // one cache, both families
        add(r, "sm2-hls", SM2, hls, "/v1/proxy/hls/*");
        add(r, "sm2-relay", SM2, core.whipWhep().endpoint(RelayPath.Shape.SM2), "/v1/proxy/*");
        add(r, "sm2-streams", SM2, new StreamsApi(core.cluster()), "/v1/streams/*");
        add(r, "sm2-admin", SM2, new AdminApi(core.cluster(), core.store(), admin, ErrorDialect.SM2), "/v1/admin/*");
        add(r, "sm2-nodes", SM2, new HeartbeatApi(core.cluster(), core.store(), nodes, cfg.heartbeatInterval(),
                cfg.heartbeatTimeout(), ErrorDialect.SM2), "/v1/nodes/*");
        add(r, "sm2-rtcproxy", SM2, new ProxySessionsApi(core.sessionDirectory(), admin, ErrorDialect.SM2),
                "/v1/admin/rtcproxy", "/v1/admin/rtcproxy/*");
        add(r, "sm2-health", SM2, new HealthApi(core.cluster(), core.store(), false), "/v1/health");
        add(r, "sm2-ready", SM2, new HealthApi(core.cluster(), core.store(), true), "/v1/ready");
        add(r, "sm2-metrics", SM2, new MetricsApi(core.metrics()), "/v1/metrics");

        add(r, "sm1-hls", SM1, hls, "/api/4.0/file/*");
        add(r, "sm1-event", SM1, new EventApi(core.cluster()), "/api/4.0/event/*", "/api/3.1/event/*");
        add(r, "sm1-admin", SM1, new AdminApi(core.cluster(), core.store(), admin, ErrorDialect.SM1), "/api/4.0/admin/*");
        add(r, "sm1-proxy-clients", SM1, new ProxySessionsApi(core.sessionDirectory(), admin, ErrorDialect.SM1),
                "/api/4.0/admin/proxy/*", "/api/3.1/admin/proxy/*");
        add(r, "sm1-nodes", SM1, new HeartbeatApi(core.cluster(), core.store(), nodes, cfg.heartbeatInterval(),
                cfg.heartbeatTimeout(), ErrorDialect.SM1), "/api/4.0/nodes/*");

        // At the root (standalone) the app is part of the path; inside an app's own webapp in Red5 (live), the
        // installer maps the same endpoint at Red5's WHProxy mappings.
        add(r, "whproxy-relay", ROOT, core.whipWhep().endpoint(RelayPath.Shape.SM1), "/*");
        return new RouteTable(r);
    }

    private static void add(List<RouteTable.Route> routes, String name, String context, Endpoint endpoint,
                            String... mappings) {
        routes.add(new RouteTable.Route(name, context, List.of(mappings), endpoint));
    }
}
