package org.smproxy.red5;

import org.red5.server.plugin.PluginRegistry;
import org.red5.server.plugin.Red5Plugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.support.ClassPathXmlApplicationContext;

/**
 * The Red5 plugin (named by {@code Red5-Plugin-Main-Class} in the jar's manifest). Red5 starts plugins before
 * Tomcat, so this only wires the runtime from {@code plugin.xml}; the webapps' listeners build the core once their
 * configuration can be read.
 */
public class StreamManagerPlugin extends Red5Plugin {
    public static final String NAME = "streammanager-proxy";
    static final String WIRING = "classpath:/org/smproxy/red5/plugin.xml";
    private static final Logger log = LoggerFactory.getLogger(StreamManagerPlugin.class);

    private ClassPathXmlApplicationContext wiring;

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public void doStart() throws Exception {
        ClassPathXmlApplicationContext ctx = new ClassPathXmlApplicationContext(new String[] {WIRING}, false, context);
        ctx.setClassLoader(StreamManagerPlugin.class.getClassLoader());
        ctx.refresh();
        wiring = ctx;
        log.info("{} plugin started", NAME);
    }

    @Override
    public void doStop() throws Exception {
        if (wiring != null) {
            wiring.close(); // closes the runtime bean, and with it the core
            wiring = null;
        }
        log.info("{} plugin stopped", NAME);
    }

    public ProxyRuntime runtime() {
        if (wiring == null) {
            throw new IllegalStateException(NAME + " plugin is not started");
        }
        return wiring.getBean(ProxyRuntime.class);
    }

    /** The plugin as Red5 registered it; webapps find it here because plugin jars share the server classloader. */
    public static StreamManagerPlugin registered() {
        Object plugin = PluginRegistry.getPlugin(NAME);
        if (!(plugin instanceof StreamManagerPlugin)) {
            throw new IllegalStateException("the " + NAME + " plugin is not loaded: put its jar into red5/plugins");
        }
        return (StreamManagerPlugin) plugin;
    }
}
