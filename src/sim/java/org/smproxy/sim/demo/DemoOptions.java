package org.smproxy.sim.demo;

import java.net.URI;
import java.nio.file.Path;

/**
 * The demo's command line. {@code --demo} is required so that a demo jar started by mistake (or with the standalone
 * server's arguments) says what it is instead of quietly starting a simulated cluster.
 *
 * @param httpsPort the HTTPS port of the proxy (or, with {@code --proxy}, of the page); 0 picks a free one (the
 *                  READY line carries the real port)
 * @param bind      its listen address
 * @param proxy     null: the demo runs its own proxy; else only the simulated nodes and the page run here, against
 *                  the proxy (a load balancer over replicas) at this URL
 * @param keystore  with {@code --proxy}: the page's certificate, best the proxy's own so a browser that accepted
 *                  one accepts both; its password in {@code SMPROXY_KEYSTORE_PASSWORD}
 */
record DemoOptions(int httpsPort, String bind, URI proxy, Path keystore) {
    static final String USAGE = "usage: java -jar streammanager-proxy-<version>-demo.jar --demo [--https-port N] [--bind ADDRESS]\n"
            + "       java -jar streammanager-proxy-<version>-demo.jar --demo --proxy https://HOST:PORT --keystore FILE"
            + " [--https-port N] [--bind ADDRESS]\n"
            + "         (nodes and page only, against a proxy elsewhere; secrets in the environment:"
            + " SMPROXY_NODE_SECRET, SMPROXY_ADMIN_TOKEN, SMPROXY_KEYSTORE_PASSWORD)";

    DemoOptions(int httpsPort, String bind) {
        this(httpsPort, bind, null, null);
    }

    static DemoOptions parse(String[] args) {
        boolean demo = false;
        int httpsPort = 8443;
        String bind = "0.0.0.0";
        URI proxy = null;
        Path keystore = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = true;
                case "--https-port" -> httpsPort = port(value(args, ++i, "--https-port"));
                case "--bind" -> bind = value(args, ++i, "--bind");
                case "--proxy" -> proxy = proxyUrl(value(args, ++i, "--proxy"));
                case "--keystore" -> keystore = Path.of(value(args, ++i, "--keystore"));
                case "--help", "-h" -> throw new IllegalArgumentException(
                        "streammanager-proxy demo: the proxy over HTTPS with a simulated cluster (1 origin, 2 edges, 1 transcoder)");
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (!demo) {
            throw new IllegalArgumentException("this jar runs the demo only: pass --demo"
                    + " (the proxy on its own is the -standalone.jar)");
        }
        if ((proxy == null) != (keystore == null)) {
            throw new IllegalArgumentException("--proxy and --keystore go together");
        }
        return new DemoOptions(httpsPort, bind, proxy, keystore);
    }

    private static URI proxyUrl(String text) {
        URI uri;
        try {
            uri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0
                || !uri.getRawPath().isEmpty()) {
            throw new IllegalArgumentException("--proxy must be https://HOST:PORT, not '" + text + "'");
        }
        return uri;
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below with the value
        }
        throw new IllegalArgumentException("--https-port must be a port number (0-65535, 0 = any free port), not '"
                + text + "'");
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
