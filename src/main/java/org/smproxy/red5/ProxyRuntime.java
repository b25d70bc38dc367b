package org.smproxy.red5;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.core.ProxyCore;
import org.smproxy.netty.NettyRelayServer;

/**
 * Holds the one proxy core of a Red5 server. Both webapps ask for it while Tomcat starts them, in whatever order,
 * so the first to ask builds it from the streammanager webapp's {@code red5-web.properties}; the second shares it.
 * Declared as a bean in the plugin's {@code plugin.xml}.
 */
public class ProxyRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyRuntime.class);

    private ProxyCore core;
    private Path configFile;
    /** The optional Netty listener ({@code proxy.listener.port}), or null. */
    private NettyRelayServer listener;

    /** @throws org.smproxy.config.ConfigException naming the key at fault, which stops the webapp from starting */
    public synchronized ProxyCore obtain(Path propertiesFile) {
        Path normalized = propertiesFile.toAbsolutePath().normalize();
        if (core == null) {
            log.info("building the proxy core from {}", normalized);
            core = ProxyCore.create(ProxyConfig.load(normalized));
            configFile = normalized;
        } else if (!normalized.equals(configFile)) {
            log.warn("{} asked for configuration {}, but the proxy core was built from {}: one core per server",
                    normalized, normalized, configFile);
        }
        return core;
    }

    public synchronized void start() {
        if (core == null) {
            throw new IllegalStateException("the proxy core was never built: did the streammanager webapp's listener run?");
        }
        core.start();
        ProxyConfig.Listener l = core.config().listener();
        if (l.enabled() && listener == null) {
            try {
                listener = NettyRelayServer.start(core.config(), l.bindAddress(), l.port(),
                        new NettyRelayServer.Keys(l.keystoreFile(), l.keystorePassword(), l.keystoreType()),
                        core.routes(), core.wsRouter(), core.wsSessions());
                NettyRelayServer.meterDirectMemory(core.metrics());
            } catch (java.io.IOException | RuntimeException e) {
                throw new ConfigException("'proxy.listener.port' " + l.port() + ": the proxy's own listener cannot start: "
                        + e.getMessage());
            }
            log.info("the proxy's own HTTPS listener (proxy.listener.port) serves the same paths as Red5 on {}:{}",
                    l.bindAddress(), listener.port());
        }
    }

    @Override
    public synchronized void close() {
        if (core != null) {
            core.drain(core.config().drainTimeout()); // Red5 stops the application: finish what is in flight first
        }
        if (listener != null) {
            listener.close();
            listener = null;
        }
        if (core != null) {
            core.close();
            core = null;
            configFile = null;
        }
    }
}
