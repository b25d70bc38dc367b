package org.smproxy.sim.demo;

/**
 * The demo's command line. {@code --demo} is required so that a demo jar started by mistake (or with the standalone
 * server's arguments) says what it is instead of quietly starting a simulated cluster.
 *
 * @param httpsPort the proxy's HTTPS port; 0 picks a free one (the READY line carries the real port)
 * @param bind      the proxy's listen address
 */
record DemoOptions(int httpsPort, String bind) {
    static final String USAGE = "usage: java -jar streammanager-proxy-<version>-demo.jar --demo [--https-port N] [--bind ADDRESS]";

    static DemoOptions parse(String[] args) {
        boolean demo = false;
        int httpsPort = 8443;
        String bind = "0.0.0.0";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = true;
                case "--https-port" -> httpsPort = port(value(args, ++i, "--https-port"));
                case "--bind" -> bind = value(args, ++i, "--bind");
                case "--help", "-h" -> throw new IllegalArgumentException(
                        "streammanager-proxy demo: the proxy over HTTPS with a simulated cluster (1 origin, 2 edges)");
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (!demo) {
            throw new IllegalArgumentException("this jar runs the demo only: pass --demo"
                    + " (the proxy on its own is the -standalone.jar)");
        }
        return new DemoOptions(httpsPort, bind);
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
