package org.smproxy.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.servlet.http.HttpServlet;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * A node's own embedded Tomcat: one context at the root with the node servlet on {@code /*}. The context is
 * exposed so WebSocket endpoints and HLS files can join the same port later.
 */
final class NodeHttpServer {

    /** Held so the level survives: JUL keeps loggers weakly, and Tomcat's INFO startup lines drown test output. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    static {
        TOMCAT_LOG.setLevel(Level.WARNING);
    }

    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;
    private final Context context;
    private final Connector connector;

    NodeHttpServer(String nodeId, String bindAddress, int port, HttpServlet servlet) {
        try {
            baseDir = Files.createTempDirectory("simnode-" + nodeId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tomcat.setBaseDir(baseDir.toString());
        // Distinct engine names keep the JMX names of several Tomcats in one JVM apart.
        tomcat.getEngine().setName("sim-" + nodeId + "-" + INSTANCES.incrementAndGet());
        connector = tomcat.getConnector();
        connector.setPort(port);
        if (bindAddress != null) {
            connector.setProperty("address", bindAddress);
        }
        context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "node", servlet);
        context.addServletMappingDecoded("/*", "node");
    }

    void start() {
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException("node HTTP server did not start", e);
        }
    }

    int port() {
        return connector.getLocalPort();
    }

    Context context() {
        return context;
    }

    /**
     * Stops accepting and drops open connections, like a node that dies. The connector goes first: stopping the
     * context first would close WebSocket sessions politely (1001 Going Away), which a crash never does.
     */
    void stop() {
        try {
            connector.stop();
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            // already stopping; nothing left to release
        }
        deleteQuietly(baseDir);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
