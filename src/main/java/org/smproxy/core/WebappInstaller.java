package org.smproxy.core;

import javax.servlet.Servlet;
import javax.servlet.ServletContext;
import javax.servlet.ServletRegistration;

import org.smproxy.api.AdminServlet;
import org.smproxy.api.EventServlet;
import org.smproxy.api.HealthServlet;
import org.smproxy.api.HeartbeatServlet;
import org.smproxy.api.MetricsServlet;
import org.smproxy.api.StreamsServlet;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.TokenCheck;

/**
 * Puts the proxy's servlets into a web context. Both containers call this, so Red5 and standalone serve exactly
 * the same paths: the SM 1.x family in the {@code /streammanager} context, the SM 2.0 family in {@code /as}.
 */
public final class WebappInstaller {

    /** Which of Red5's two API generations a context serves. */
    public enum Family {
        /** {@code /streammanager}: SM 1.x APIs ({@code /api/4.0/...}). */
        SM1,
        /** {@code /as}: SM 2.0 APIs ({@code /v1/...}). */
        SM2
    }

    private WebappInstaller() {
    }

    public static void install(ServletContext ctx, ProxyCore core, Family family) {
        ProxyConfig cfg = core.config();
        TokenCheck admin = new TokenCheck("admin", cfg.adminToken());
        TokenCheck nodes = new TokenCheck("node", cfg.nodeSecret());
        if (family == Family.SM2) {
            add(ctx, "sm2-streams", new StreamsServlet(core.cluster()), "/v1/streams/*");
            add(ctx, "sm2-admin", new AdminServlet(core.cluster(), admin, ErrorDialect.SM2), "/v1/admin/*");
            add(ctx, "sm2-nodes", new HeartbeatServlet(core.cluster(), nodes, cfg.heartbeatInterval(),
                    cfg.heartbeatTimeout(), ErrorDialect.SM2), "/v1/nodes/*");
            add(ctx, "sm2-health", new HealthServlet(core.cluster()), "/v1/health");
            add(ctx, "sm2-metrics", new MetricsServlet(core.metrics(), core.cluster()), "/v1/metrics");
        } else {
            add(ctx, "sm1-event", new EventServlet(core.cluster()), "/api/4.0/event/*", "/api/3.1/event/*");
            add(ctx, "sm1-admin", new AdminServlet(core.cluster(), admin, ErrorDialect.SM1), "/api/4.0/admin/*");
            add(ctx, "sm1-nodes", new HeartbeatServlet(core.cluster(), nodes, cfg.heartbeatInterval(),
                    cfg.heartbeatTimeout(), ErrorDialect.SM1), "/api/4.0/nodes/*");
        }
    }

    private static void add(ServletContext ctx, String name, Servlet servlet, String... mappings) {
        ServletRegistration.Dynamic reg = ctx.addServlet(name, servlet);
        reg.setAsyncSupported(true);
        reg.setLoadOnStartup(1);
        reg.addMapping(mappings);
    }
}
