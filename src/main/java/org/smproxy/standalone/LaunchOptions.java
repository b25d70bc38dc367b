package org.smproxy.standalone;

import java.nio.file.Path;
import java.util.Properties;

import org.smproxy.config.ProxyConfig;

/** The command line: a configuration file and overrides an operator may want without editing it. */
record LaunchOptions(ProxyConfig config) {
    static final String USAGE = "usage: java -jar streammanager-proxy-standalone.jar [--config FILE] [--https-port N]";

    static LaunchOptions parse(String[] args) {
        Path configFile = null;
        String httpsPort = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config": configFile = Path.of(value(args, ++i, "--config")); break;
                case "--https-port": httpsPort = value(args, ++i, "--https-port"); break;
                case "--help": case "-h": throw new IllegalArgumentException("streammanager-proxy standalone server");
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        Properties props = new Properties();
        Path base = null;
        if (configFile != null) {
            props = ProxyConfig.readProperties(configFile);
            base = configFile.toAbsolutePath().getParent();
        }
        if (httpsPort != null) {
            props.setProperty("standalone.https.port", httpsPort);
        }
        return new LaunchOptions(ProxyConfig.fromProperties(props, base));
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
