package org.smproxy.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.smproxy.testing.TestKeystore;

/**
 * Serves the browser pages ({@code web/} on the test classpath, i.e. {@code src/sim/resources/web}) to Chromium
 * on 127.0.0.1, over HTTPS (self-signed) and plain HTTP, both on free ports. It is its own origin, apart from
 * the proxy and the nodes, so every call the pages make is cross-origin and CORS is exercised.
 *
 * <p>{@code /deps/...} serves an optional directory: the npm packages {@code scripts/fetch-web-deps.sh} puts in
 * {@code target/web-deps}.
 */
public final class PageServer implements AutoCloseable {

    /** Held so the level survives: JUL keeps loggers weakly, and Tomcat's INFO lines drown test output. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=UTF-8",
            "js", "text/javascript;charset=UTF-8",
            "mjs", "text/javascript;charset=UTF-8",
            "css", "text/css;charset=UTF-8",
            "json", "application/json",
            "map", "application/json");

    static {
        TOMCAT_LOG.setLevel(Level.WARNING);
    }

    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;
    private final Connector http;
    private final Connector https;

    /** @param depsDir served under {@code /deps/}; null for none */
    public PageServer(Path workDir, Path depsDir) {
        try {
            baseDir = Files.createTempDirectory(workDir, "pages-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestKeystore keystore = TestKeystore.create(baseDir, "pages");
        tomcat.setBaseDir(baseDir.toString());
        tomcat.getEngine().setName("pages-" + INSTANCES.incrementAndGet());
        http = tomcat.getConnector();
        http.setPort(0);
        http.setProperty("address", "127.0.0.1");
        https = httpsConnector(keystore);
        tomcat.getService().addConnector(https);
        Context context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "pages", new PagesServlet(depsDir));
        context.addServletMappingDecoded("/*", "pages");
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException("page server did not start", e);
        }
    }

    /** {@code https://127.0.0.1:<port>/<path>} */
    public URI https(String path) {
        return URI.create("https://127.0.0.1:" + https.getLocalPort() + "/" + path);
    }

    /** {@code http://127.0.0.1:<port>/<path>}: for pages that call plain-HTTP nodes (no mixed content). */
    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + http.getLocalPort() + "/" + path);
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            // already stopping
        }
        try (Stream<Path> paths = Files.walk(baseDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private static Connector httpsConnector(TestKeystore keystore) {
        Connector c = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        c.setPort(0);
        c.setProperty("address", "127.0.0.1");
        c.setScheme("https");
        c.setSecure(true);
        c.setProperty("SSLEnabled", "true");
        SSLHostConfig ssl = new SSLHostConfig();
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
        cert.setCertificateKeystoreFile(keystore.file().toString());
        cert.setCertificateKeystorePassword(keystore.password());
        cert.setCertificateKeystoreType("PKCS12");
        ssl.addCertificate(cert);
        c.addSslHostConfig(ssl);
        return c;
    }

    /** GET only; classpath {@code web/} or the deps directory. Module scripts need a JavaScript MIME type. */
    private static final class PagesServlet extends HttpServlet {
        private final transient Path depsDir;

        PagesServlet(Path depsDir) {
            this.depsDir = depsDir == null ? null : depsDir.toAbsolutePath().normalize();
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (path.equals("/")) {
                path = "/test.html";
            }
            if (path.contains("..") || path.contains("\\")) {
                resp.sendError(HttpServletResponse.SC_BAD_REQUEST);
                return;
            }
            try (InputStream in = open(path)) {
                if (in == null) {
                    resp.sendError(HttpServletResponse.SC_NOT_FOUND, path);
                    return;
                }
                String ext = path.substring(path.lastIndexOf('.') + 1);
                resp.setContentType(TYPES.getOrDefault(ext, "application/octet-stream"));
                resp.setHeader("Cache-Control", "no-store");
                try (OutputStream out = resp.getOutputStream()) {
                    in.transferTo(out);
                }
            }
        }

        private InputStream open(String path) throws IOException {
            if (path.startsWith("/deps/")) {
                if (depsDir == null) {
                    return null;
                }
                Path file = depsDir.resolve(path.substring("/deps/".length())).normalize();
                return file.startsWith(depsDir) && Files.isRegularFile(file) ? Files.newInputStream(file) : null;
            }
            return PageServer.class.getClassLoader().getResourceAsStream("web" + path);
        }
    }
}
