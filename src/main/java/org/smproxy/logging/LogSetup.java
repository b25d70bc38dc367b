package org.smproxy.logging;

import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.smproxy.config.ProxyConfig;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;

/**
 * The standalone server's one logging backend: Logback, with Tomcat's java.util.logging lines bridged into it, so
 * every line has the same shape: text for people, or JSON lines ({@code logging.format=json}) for a shipper. Inside
 * Red5, Red5's own logback.xml decides (the README shows the JSON encoder there).
 */
public final class LogSetup {
    /**
     * Kept at INFO whatever the root level: libraries whose DEBUG lines are per packet or per command, and the JDK's
     * HTTP client and TLS, whose DEBUG lines print whole URLs, queries included (a player's token, a node's password).
     */
    private static final String[] QUIET = {"io.netty", "io.lettuce", "reactor", "org.apache.tomcat", "org.apache.catalina",
        "org.apache.coyote", "jdk.internal.httpclient", "jdk.httpclient", "jdk.event.security", "javax.net", "sun.net",
        "com.sun.net.httpserver"};
    /** Overrides {@code logging.file}, for harnesses that start a build whose configuration they do not write. */
    public static final String FILE_PROPERTY = "smproxy.logging.file";

    private LogSetup() {
    }

    public static void configure(ProxyConfig.Logging settings) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return; // another SLF4J backend was put on the class path on purpose: leave it alone
        }
        ctx.reset();
        LevelChangePropagator jul = new LevelChangePropagator(); // JUL levels follow, so unlogged records cost nothing
        jul.setContext(ctx);
        jul.setResetJUL(true);
        jul.start();
        ctx.addListener(jul);
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();

        Encoder<ILoggingEvent> encoder;
        if (settings.format() == ProxyConfig.LogFormat.JSON) {
            encoder = new JsonLogEncoder();
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{40}%replace( [%X{requestId}]){' \\[\\]', ''} - %msg%n");
            encoder = text;
        }
        encoder.setContext(ctx);
        encoder.start();
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null && settings.file() != null) {
            file = settings.file().toString();
        }
        OutputStreamAppender<ILoggingEvent> out;
        if (file != null) {
            FileAppender<ILoggingEvent> f = new FileAppender<>();
            f.setFile(file);
            f.setAppend(true);
            out = f;
        } else {
            out = new ConsoleAppender<>();
        }
        out.setContext(ctx);
        out.setName("smproxy");
        out.setEncoder(encoder);
        out.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(settings.level(), Level.INFO));
        root.addAppender(out);
        for (String name : QUIET) {
            ctx.getLogger(name).setLevel(Level.INFO.isGreaterOrEqual(root.getLevel()) ? Level.INFO : root.getLevel());
        }
    }
}
