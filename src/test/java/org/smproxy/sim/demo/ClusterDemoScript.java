package org.smproxy.sim.demo;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * scripts/cluster-demo.sh run as a process on free ports, bound to 127.0.0.1, with the jars of this build (so it
 * neither installs nor builds): its output, and what its summary says runs where.
 */
final class ClusterDemoScript implements AutoCloseable {
    /** Four JVMs, Redis and HAProxy on a small machine that may be building something else. */
    private static final Duration START = Duration.ofMinutes(5);

    final int replicas;
    final int lbPort;
    final int pagePort;
    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private Thread reader;
    /** Everything the script started, as seen once it was ready. */
    private List<ProcessHandle> started = List.of();

    private ClusterDemoScript(int replicas, int lbPort, int pagePort, Process process) {
        this.replicas = replicas;
        this.lbPort = lbPort;
        this.pagePort = pagePort;
        this.process = process;
    }

    /** Starts the script and waits for its READY line; fails with its output if it exits first. */
    static ClusterDemoScript start(int replicas) throws IOException {
        int lbPort = freePort();
        int pagePort = freePort();
        int redisPort = freePort();
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/cluster-demo.sh", "--replicas", String.valueOf(replicas),
                "--https-port", String.valueOf(lbPort), "--page-port", String.valueOf(pagePort),
                "--redis-port", String.valueOf(redisPort), "--bind", "127.0.0.1").redirectErrorStream(true);
        pb.environment().put("SMPROXY_STANDALONE_JAR", System.getProperty("smproxy.standaloneJar"));
        pb.environment().put("SMPROXY_DEMO_JAR", System.getProperty("smproxy.demoJar"));
        ClusterDemoScript script = new ClusterDemoScript(replicas, lbPort, pagePort, pb.start());
        script.readOutput();
        try {
            await().atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> {
                if (!script.process.isAlive()) {
                    throw new AssertionError("the script exited (" + script.process.exitValue() + ") before READY:\n"
                            + script.log());
                }
                return script.line("READY ").isPresent();
            });
        } catch (RuntimeException | AssertionError e) {
            script.close();
            throw e;
        }
        script.started = script.process.descendants().toList();
        return script;
    }

    private void readOutput() {
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(output::add);
            } catch (IOException e) {
                output.add("(output unreadable: " + e + ")");
            }
        }, "cluster-demo-output");
        reader.setDaemon(true);
        reader.start();
    }

    String page() {
        return line("READY ").orElseThrow().substring(6).trim();
    }

    String loadBalancer() {
        return value("  load balancer  ").split(" ")[0];
    }

    /** Replica i (from 1), directly. */
    String replica(int i) {
        return value("  replica-" + i).split(" ")[0];
    }

    /** The admin API's header, as {@code Https.send} takes it: name, value. */
    String[] adminAuth() {
        Matcher token = Pattern.compile("Bearer ([A-Za-z0-9_-]+)'").matcher(value("  admin API "));
        if (!token.find()) {
            throw new AssertionError("no admin token in:\n" + log());
        }
        return new String[] {"Authorization", "Bearer " + token.group(1)};
    }

    /** The script's temporary folder. */
    Path workDir() {
        return Path.of(value("  logs ").split(" ")[0]).getParent();
    }

    List<ProcessHandle> started() {
        return started;
    }

    /**
     * SIGTERM, as Ctrl-C's sibling; the script's exit code, or -1 if it did not end within a minute. Its output is
     * then read to the end.
     */
    int terminate() throws InterruptedException {
        // Process.destroy() would also close our end of its output, and its next line would die of SIGPIPE.
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            return -1;
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    String log() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    private Optional<String> line(String prefix) {
        synchronized (output) {
            return output.stream().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    /** What follows a label on the script's summary. */
    private String value(String label) {
        return line(label).orElseThrow(() -> new AssertionError("no line '" + label + "' in:\n" + log()))
                .substring(label.length()).trim();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Stops the script and, should anything outlive it (a failed test), what it started. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                terminate();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        started.forEach(ProcessHandle::destroyForcibly);
    }
}
