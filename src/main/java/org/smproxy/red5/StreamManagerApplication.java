package org.smproxy.red5;

import org.red5.server.adapter.MultiThreadedApplicationAdapter;
import org.red5.server.api.scope.IScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streammanager webapp's handler ({@code web.handler} in red5-web.xml): starts the proxy core's housekeeping
 * with the application and closes the core with it. Servlets were already installed by {@link Red5WebappListener}:
 * by the time Red5 calls appStart the context is initialised and cannot take new ones.
 */
public class StreamManagerApplication extends MultiThreadedApplicationAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamManagerApplication.class);

    @Override
    public boolean appStart(IScope app) {
        // Red5 refreshes red5-web.xml on a thread whose outcome nobody checks: a failure here would vanish unlogged.
        try {
            StreamManagerPlugin.registered().runtime().start();
        } catch (RuntimeException e) {
            log.error("streammanager-proxy could not start its core: {}", e.getMessage(), e);
        }
        return super.appStart(app);
    }

    @Override
    public void appStop(IScope app) {
        StreamManagerPlugin.registered().runtime().close();
        super.appStop(app);
    }
}
