package org.smproxy.red5;

import java.nio.file.Path;

import javax.servlet.ServletContext;
import javax.servlet.ServletContextEvent;
import javax.servlet.ServletContextListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ConfigException;
import org.smproxy.core.ProxyCore;
import org.smproxy.core.WebappInstaller;

/**
 * Declared in each webapp's web.xml; installs the proxy's servlets while the context is still being initialised
 * (the only time the Servlet API allows it). Context parameters:
 * {@code smproxy.family} (SM1 for /streammanager, SM2 for /as) and {@code smproxy.config} (the properties file,
 * relative to the webapp's root; the /as webapp points at the streammanager webapp's).
 */
public class Red5WebappListener implements ServletContextListener {
    private static final Logger log = LoggerFactory.getLogger(Red5WebappListener.class);

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext sc = event.getServletContext();
        try {
            WebappInstaller.Family family = WebappInstaller.Family.valueOf(param(sc, "smproxy.family"));
            String root = sc.getRealPath("/");
            if (root == null) {
                throw new IllegalStateException("webapp " + sc.getContextPath() + " must be deployed as a directory");
            }
            Path config = Path.of(root).resolve(param(sc, "smproxy.config"));
            ProxyCore core = StreamManagerPlugin.registered().runtime().obtain(config);
            WebappInstaller.install(sc, core, family);
            log.info("streammanager-proxy {} APIs installed under {}", family, sc.getContextPath());
        } catch (ConfigException e) {
            // Failing the context would also stop Red5 from setting up the webapps after it (live, ...): keep the
            // context up, serve the reason with 503 everywhere, and say it loudly in the log.
            log.error("streammanager-proxy configuration error: {}. {} answers 503 until it is fixed and Red5 restarted",
                    e.getMessage(), sc.getContextPath());
            sc.addServlet("smproxy-config-error", new ConfigErrorServlet(e.getMessage())).addMapping("/*");
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        // The core belongs to the plugin and the streammanager application, which outlive either context.
    }

    private static String param(ServletContext sc, String name) {
        String value = sc.getInitParameter(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("context-param '" + name + "' is missing from " + sc.getContextPath() + "'s web.xml");
        }
        return value.trim();
    }
}
