package org.smproxy.core;

import javax.servlet.FilterRegistration;
import javax.servlet.Servlet;
import javax.servlet.ServletContext;
import javax.servlet.ServletRegistration;
import javax.websocket.DeploymentException;
import javax.websocket.server.ServerContainer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.smproxy.cluster.StreamGuid;
import org.smproxy.config.ProxyConfig;
import org.smproxy.servlet.CorsFilter;
import org.smproxy.http.RouteTable;
import org.smproxy.servlet.EndpointServlet;
import org.smproxy.servlet.WsProxyEndpoint;
import org.smproxy.servlet.WsUpgradeFilter;

/**
 * Puts the proxy's servlets into a web context. Both containers call this, so Red5 and standalone serve exactly
 * the same paths: the SM 1.x family in the {@code /streammanager} context, the SM 2.0 family in {@code /as}.
 */
public final class WebappInstaller {
    private static final Logger log = LoggerFactory.getLogger(WebappInstaller.class);

    /** Which of Red5's two API generations a context serves. */
    public enum Family {
        /** {@code /streammanager}: SM 1.x APIs ({@code /api/4.0/...}). */
        SM1,
        /** {@code /as}: SM 2.0 APIs ({@code /v1/...}) and relays ({@code /v1/proxy/...}). */
        SM2,
        /**
         * Red5's SM 1.x WHProxy URL shape, {@code /<app>/whip|whep/endpoint|resource/<stream>}: the root context
         * standalone, or an app's webapp (e.g. {@code live}) in Red5.
         */
        WHPROXY
    }

    private WebappInstaller() {
    }

    public static void install(ServletContext ctx, ProxyCore core, Family family) {
        install(ctx, core, family, core.routes());
    }

    /** As {@link #install(ServletContext, ProxyCore, Family)}, serving {@code routes} (the core's and any extras). */
    public static void install(ServletContext ctx, ProxyCore core, Family family, RouteTable routes) {
        ProxyConfig cfg = core.config();
        FilterRegistration.Dynamic cors = ctx.addFilter("smproxy-cors", new CorsFilter(cfg.relay().allowedOrigins()));
        cors.setAsyncSupported(true);
        cors.addMappingForUrlPatterns(null, false, "/*");
        boolean appWebapp = family == Family.WHPROXY && !ctx.getContextPath().isEmpty();
        for (RouteTable.Route route : routes.in(Routes.contextOf(family))) {
            // Inside an app's own webapp (Red5's live) the WHProxy relay sits at Red5's own mappings.
            String[] mappings = appWebapp ? new String[] {"/whip/*", "/whep/*"} : route.mappings().toArray(String[]::new);
            add(ctx, route.name(), new EndpointServlet(route.endpoint(), core.nodeClient()), mappings);
        }
        if (family == Family.WHPROXY) {
            return;
        }
        installWebSockets(ctx, core, family);
    }

    /**
     * The WebSocket relay: the upgrade filter ahead of the container's own, and the JSR-356 endpoints. Needs the
     * container's JSR-356 support in this context (standalone adds it; in Red5, web.xml declares WsContextListener).
     */
    private static void installWebSockets(ServletContext ctx, ProxyCore core, Family family) {
        ServerContainer container = (ServerContainer) ctx.getAttribute(ServerContainer.class.getName());
        if (container == null) {
            log.error("{}: no JSR-356 container, so no WebSocket proxy here; declare "
                    + "org.apache.tomcat.websocket.server.WsContextListener before the proxy's listener in web.xml",
                    ctx.getContextPath());
            return;
        }
        // Sessions start with small message buffers (Tomcat sizes each session's input and message buffers from
        // these defaults when it creates the session); the endpoint takes messages in pieces (WsProxyEndpoint).
        container.setDefaultMaxTextMessageBufferSize(WsProxyEndpoint.CONTAINER_BUFFER);
        container.setDefaultMaxBinaryMessageBufferSize(WsProxyEndpoint.CONTAINER_BUFFER);
        boolean sm1 = family == Family.SM1;
        FilterRegistration.Dynamic filter = ctx.addFilter("smproxy-ws-upgrade",
                new WsUpgradeFilter(sm1, core.wsRouter()));
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(null, false, "/*");
        try {
            if (sm1) {
                container.addEndpoint(WsProxyEndpoint.configFor("/", core.wsSessions(), core.nodeClient().http(), core.config()));
                return;
            }
            // JSR-356 path templates match whole segments only, so each streamGuid depth gets its own template.
            StringBuilder path = new StringBuilder("/v1/proxy/ws/{action}/{s1}");
            for (int depth = 2; depth <= StreamGuid.MAX_SEGMENTS; depth++) {
                path.append("/{s").append(depth).append('}');
                container.addEndpoint(WsProxyEndpoint.configFor(path.toString(), core.wsSessions(),
                        core.nodeClient().http(), core.config()));
            }
        } catch (DeploymentException e) {
            throw new IllegalStateException("cannot register the WebSocket proxy endpoints: " + e.getMessage(), e);
        }
    }

    private static void add(ServletContext ctx, String name, Servlet servlet, String... mappings) {
        ServletRegistration.Dynamic reg = ctx.addServlet(name, servlet);
        reg.setAsyncSupported(true);
        reg.setLoadOnStartup(1);
        reg.addMapping(mappings);
    }
}
