package org.smproxy.red5;

import org.red5.server.adapter.MultiThreadedApplicationAdapter;
import org.red5.server.api.scope.IScope;

/**
 * The streammanager webapp's handler ({@code web.handler} in red5-web.xml): starts the proxy core's housekeeping
 * with the application and closes the core with it. Servlets were already installed by {@link Red5WebappListener}:
 * by the time Red5 calls appStart the context is initialised and cannot take new ones.
 */
public class StreamManagerApplication extends MultiThreadedApplicationAdapter {

    @Override
    public boolean appStart(IScope app) {
        StreamManagerPlugin.registered().runtime().start();
        return super.appStart(app);
    }

    @Override
    public void appStop(IScope app) {
        StreamManagerPlugin.registered().runtime().close();
        super.appStop(app);
    }
}
