package org.smproxy.standalone;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import javax.servlet.ServletContainerInitializer;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.core.ProxyCore;
import org.smproxy.core.WebappInstaller;
import org.smproxy.http.RouteTable;
import org.smproxy.logging.LogSetup;
import org.smproxy.netty.NettyRelayServer;

/**
 * The proxy on its own, over HTTPS, with the same contexts and paths as inside Red5: {@code /streammanager}
 * (SM 1.x) and {@code /as} (SM 2.0). On Netty by default ({@code standalone.server=netty}), or on an embedded Tomcat
 * ({@code standalone.server=tomcat}: the servlet adapter that runs inside Red5).
 *
 * <pre>java -jar streammanager-proxy-standalone.jar [--config FILE] [--https-port N]</pre>
 */
public final class StandaloneServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StandaloneServer.class);

    private final ProxyCore core;
    /** With {@code standalone.server=tomcat}, else null. */
    private final Tomcat tomcat;
    private final Connector https;
    /** The server's listeners with {@code standalone.server=netty}, the side listener {@code standalone.netty.port} with Tomcat, or null. */
    private final NettyRelayServer netty;

    private StandaloneServer(ProxyCore core, Tomcat tomcat, Connector https, NettyRelayServer netty) {
        this.core = core;
        this.tomcat = tomcat;
        this.https = https;
        this.netty = netty;
    }

    public static void main(String[] args) {
        // On one or two CPUs the common pool has parallelism 1, and then CompletableFuture runs its default async
        // tasks (the JDK HTTP client uses them for every exchange) on a new thread each. An operator's -D wins.
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
                    String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
        smallWebSocketBuffers();
        try {
            LaunchOptions options = LaunchOptions.parse(args);
            LogSetup.configure(options.config().logging());
            StandaloneServer server = start(options.config());
            drainOnSignals(server, options.config().drainTimeout());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "smproxy-shutdown"));
            System.out.println("READY " + server.baseUrl() + "/as/v1/health");
            System.out.flush();
            if (server.tomcat != null) {
                server.tomcat.getServer().await();
            } else {
                server.netty.awaitClose(); // Netty's threads are daemons: this thread keeps the JVM up
            }
        } catch (ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(2);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(LaunchOptions.USAGE);
            System.exit(2);
        } catch (Exception e) {
            log.error("could not start", e);
            System.exit(1);
        }
    }

    /**
     * SIGTERM (what systemd, Kubernetes and docker stop send) and SIGINT drain before the process exits 0: the load
     * balancer sees readiness fail, new sessions go elsewhere, and what is in flight finishes. A second signal ends
     * it at once.
     */
    private static void drainOnSignals(StandaloneServer server, Duration timeout) {
        java.util.concurrent.atomic.AtomicReference<Thread> draining = new java.util.concurrent.atomic.AtomicReference<>();
        sun.misc.SignalHandler handler = signal -> {
            Thread d = new Thread(() -> {
                server.core.drain(timeout);
                server.close();
                System.exit(0);
            }, "smproxy-drain");
            if (draining.compareAndSet(null, d)) {
                log.info("SIG{}: draining for up to {} s (proxy.shutdown.drainTimeout); a second signal stops at once",
                        signal.getName(), timeout.toSeconds());
                d.start();
            } else {
                log.info("SIG{} again: stopping now", signal.getName());
                draining.get().interrupt();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
            } catch (IllegalArgumentException unavailable) {
                log.debug("no SIG{} handler here: the JVM's default shutdown applies", name);
            }
        }
    }

    /**
     * Per-connection buffers of the WebSocket relay, which carries signalling messages (a few hundred bytes, an SDP
     * of a few KB): Tomcat's WebSocket write buffers and the JDK client's read, write and encoding buffers default to
     * 8-16 KB each, for every session, for its whole life. Larger messages still pass, in several writes. Each is a
     * system property, so an operator's own -D value wins; set before either library reads them.
     */
    static void smallWebSocketBuffers() {
        defaultProperty("org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE", "1024");
        defaultProperty("jdk.httpclient.websocket.writeBufferSize", "4096");
        defaultProperty("jdk.httpclient.websocket.intermediateBufferSize", "2048");
        defaultProperty("jdk.httpclient.bufsize", "4096");
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static StandaloneServer start(ProxyConfig config) throws IOException, LifecycleException {
        return start(config, List.of());
    }

    /**
     * As {@link #start(ProxyConfig)}, with further routes served by the same server, hence on the same HTTPS origin
     * (the demo's page), whichever server it is.
     */
    public static StandaloneServer start(ProxyConfig config, List<RouteTable.Route> extras)
            throws IOException, LifecycleException {
        ProxyCore core = ProxyCore.create(config);
        NettyRelayServer netty = null;
        try {
            ProxyConfig.Standalone s = config.standalone();
            SelfSignedKeystore.Keystore keystore = keystore(s);
            RouteTable routes = core.routes().with(extras);
            NettyRelayServer.Keys keys = new NettyRelayServer.Keys(keystore.file(), keystore.password(), keystore.type());
            if (s.server() == ProxyConfig.Server.NETTY) {
                core.start();
                netty = NettyRelayServer.start(config, s.bindAddress(), s.httpsPort(), keys, s.httpPort(), routes,
                        core.wsRouter(), core.wsSessions());
                NettyRelayServer.meterDirectMemory(core.metrics());
                StandaloneServer server = new StandaloneServer(core, null, null, netty);
                log.info("streammanager-proxy standalone on Netty serving {} (SM 1.x under /streammanager, SM 2.0 under /as)",
                        server.baseUrl());
                return server;
            }
            Tomcat tomcat = new Tomcat();
            Path work = Files.createTempDirectory("smproxy-tomcat");
            tomcat.setBaseDir(work.toString());
            // A JMX domain of its own, so other embedded Tomcats in the same JVM (tests, the demo's nodes) cannot
            // unregister this one's beans when they stop.
            tomcat.getEngine().setName("smproxy-" + work.getFileName());
            Connector https = httpsConnector(s, keystore);
            timeouts(https, config.client());
            tomcat.getService().addConnector(https);
            tomcat.setConnector(https);
            if (s.httpPort() >= 0) {
                Connector http = new Connector("org.apache.coyote.http11.Http11NioProtocol");
                http.setPort(s.httpPort());
                http.setProperty("address", s.bindAddress());
                http.setThrowOnFailure(true);
                timeouts(http, config.client());
                tomcat.getService().addConnector(http);
            }
            addContext(tomcat, work, "/streammanager", core, WebappInstaller.Family.SM1, routes);
            addContext(tomcat, work, "/as", core, WebappInstaller.Family.SM2, routes);
            addContext(tomcat, work, "", core, WebappInstaller.Family.WHPROXY, routes);
            tomcat.start();
            core.start();
            if (s.nettyPort() >= 0) {
                netty = NettyRelayServer.start(config, s.bindAddress(), s.nettyPort(), keys, routes,
                        core.wsRouter(), core.wsSessions());
                NettyRelayServer.meterDirectMemory(core.metrics());
            }
            StandaloneServer server = new StandaloneServer(core, tomcat, https, netty);
            log.info("streammanager-proxy standalone on Tomcat serving {} (SM 1.x under /streammanager, SM 2.0 under /as)",
                    server.baseUrl());
            return server;
        } catch (IOException | LifecycleException | RuntimeException e) {
            if (netty != null) {
                netty.close();
            }
            core.close();
            throw e;
        }
    }

    private static SelfSignedKeystore.Keystore keystore(ProxyConfig.Standalone s) throws IOException {
        SelfSignedKeystore.Keystore keystore = s.keystoreFile() != null
                ? new SelfSignedKeystore.Keystore(s.keystoreFile(), s.keystorePassword(), s.keystoreType())
                : SelfSignedKeystore.obtain(Path.of("data", "smproxy-selfsigned.p12").toAbsolutePath());
        if (!Files.isReadable(keystore.file())) {
            throw new ConfigException("'standalone.keystore.file' " + keystore.file() + " cannot be read");
        }
        return keystore;
    }

    /**
     * Tomcat's nearest to the Netty listener's request timer: it bounds each read while a request comes in (not the
     * whole request), with idle keep-alive connections kept 60 s as on Netty.
     */
    private static void timeouts(Connector connector, ProxyConfig.ClientTimeouts client) {
        connector.setProperty("connectionTimeout", String.valueOf(client.header().toMillis()));
        connector.setProperty("keepAliveTimeout", "60000");
    }

    private static Connector httpsConnector(ProxyConfig.Standalone s, SelfSignedKeystore.Keystore keystore) {
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(s.httpsPort());
        // Red5's own tuning advice for a Stream Manager: a deep accept queue, so bursts of clients are not refused.
        connector.setProperty("acceptCount", "1000");
        connector.setProperty("maxConnections", "-1");
        // Tomcat's default of 100 requests per connection makes busy clients redo a TLS handshake every 100.
        connector.setProperty("maxKeepAliveRequests", "-1");
        connector.setProperty("address", s.bindAddress());
        connector.setSecure(true);
        // A port already taken must stop start-up, not leave a server that answers nowhere.
        connector.setThrowOnFailure(true);
        connector.setScheme("https");
        connector.setProperty("SSLEnabled", "true");
        SSLHostConfig ssl = new SSLHostConfig();
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
        cert.setCertificateKeystoreFile(keystore.file().toAbsolutePath().toString());
        cert.setCertificateKeystorePassword(keystore.password());
        cert.setCertificateKeystoreType(keystore.type());
        ssl.addCertificate(cert);
        connector.addSslHostConfig(ssl);
        return connector;
    }

    private static void addContext(Tomcat tomcat, Path work, String path, ProxyCore core, WebappInstaller.Family family,
                                   RouteTable routes) throws IOException {
        File docBase = Files.createDirectories(work.resolve("webapps" + (path.isEmpty() ? "/ROOT" : path))).toFile();
        Context ctx = tomcat.addContext(path, docBase.getAbsolutePath());
        // Tomcat.addContext runs no SCIs of its own: JSR-356 needs WsSci added by hand.
        ctx.addServletContainerInitializer(new WsSci(), null);
        ServletContainerInitializer installer = (Set<Class<?>> classes, javax.servlet.ServletContext sc) ->
                WebappInstaller.install(sc, core, family, routes);
        ctx.addServletContainerInitializer(installer, null);
        // Without a default servlet, unmapped paths end before any filter runs (CORS, the WebSocket upgrade).
        Tomcat.addServlet(ctx, "not-found", new NotFoundServlet()).setAsyncSupported(true);
        ctx.addServletMappingDecoded("/", "not-found");
    }

    public int httpsPort() {
        return tomcat == null ? netty.port() : https.getLocalPort();
    }

    /** The Netty listener's port (on Netty, the HTTPS port), or -1 on Tomcat without {@code standalone.netty.port}. */
    public int nettyPort() {
        return netty == null ? -1 : netty.port();
    }

    /** The plain-HTTP port ({@code standalone.http.port}), or -1 without one. */
    public int httpPort() {
        if (tomcat == null) {
            return netty.plainPort();
        }
        for (Connector c : tomcat.getService().findConnectors()) {
            if (c != https) {
                return c.getLocalPort();
            }
        }
        return -1;
    }

    /** Which server carries the listeners. */
    public ProxyConfig.Server serverKind() {
        return tomcat == null ? ProxyConfig.Server.NETTY : ProxyConfig.Server.TOMCAT;
    }

    public String baseUrl() {
        String bind = core.config().standalone().bindAddress();
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "localhost" : bind;
        return "https://" + host + ":" + httpsPort();
    }

    public ProxyCore core() {
        return core;
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // the drain and the shutdown hook both close
        }
        if (netty != null) {
            netty.close();
        }
        if (tomcat == null) {
            core.close();
            return;
        }
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            log.warn("tomcat did not stop cleanly", e);
        } finally {
            core.close();
        }
    }
}
