package org.smproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A real HAProxy (Debian's package) in front of HTTPS backends on 127.0.0.1, as an operator would put a plain load
 * balancer in front of a tier of replicas: TCP passthrough of TLS (the replicas keep their certificates), clients
 * kept on one backend by source address, and a health check of {@code GET /as/v1/ready} over TLS every 300 ms, so a
 * dead or unready replica leaves rotation within a second. A connection to a backend that refuses is redispatched to
 * another at once, before the check has noticed.
 */
public final class HaProxy implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;

    private HaProxy(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts it on a free loopback port in front of these backend HTTPS ports; returns once it accepts. */
    public static HaProxy start(Path dir, List<Integer> backendPorts) throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        StringBuilder config = new StringBuilder(String.join("\n",
                "global",
                "  maxconn 4096",
                "  stats socket " + dir.resolve("stats.sock") + " mode 600 level user",
                "defaults",
                "  mode tcp",
                "  timeout connect 2s",
                "  timeout client 2m",
                "  timeout server 2m",
                "  timeout check 1s",
                "  retries 2",
                "  option redispatch 1",
                "frontend tier",
                "  bind 127.0.0.1:" + port,
                "  default_backend replicas",
                "backend replicas",
                "  balance source",
                "  hash-type consistent",
                "  option httpchk GET /as/v1/ready",
                "  http-check expect status 200",
                "  default-server check check-ssl verify none inter 300ms fall 2 rise 2",
                ""));
        for (int i = 0; i < backendPorts.size(); i++) {
            config.append("  server r").append(i + 1).append(" 127.0.0.1:").append(backendPorts.get(i)).append('\n');
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Process process = new ProcessBuilder(List.of(binary(), "-db", "-f", file.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        HaProxy lb = new HaProxy(dir, port, process);
        try {
            Awaitility.await("haproxy accepts on port " + port).atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50)).until(lb::accepts);
        } catch (RuntimeException e) {
            lb.close();
            throw new IllegalStateException("haproxy did not start: " + lb.log(), e);
        }
        return lb;
    }

    public int port() {
        return port;
    }

    /** {@code https://127.0.0.1:<port>}: TLS is the backends'. */
    public String base() {
        return "https://127.0.0.1:" + port;
    }

    public String wss() {
        return "wss://127.0.0.1:" + port;
    }

    /** What haproxy printed (server state changes), for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return "(no haproxy log: " + e.getMessage() + ")";
        }
    }

    /**
     * The backends haproxy has in rotation now (status UP), by server name {@code r1}, {@code r2}, ... in the order
     * given to {@link #start}; asked on its stats socket.
     */
    public List<String> serversUp() {
        String csv;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("stats.sock")))) {
            ch.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            csv = out.toString(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("haproxy stats socket: " + e.getMessage(), e);
        }
        List<String> lines = csv.lines().toList();
        List<String> header = List.of(lines.get(0).replaceFirst("^# ", "").split(","));
        int name = header.indexOf("svname");
        int status = header.indexOf("status");
        List<String> up = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length > status && f[0].equals("replicas") && f[name].matches("r\\d+") && f[status].equals("UP")) {
                up.add(f[name]);
            }
        }
        return up;
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new IllegalStateException("haproxy exited with " + process.exitValue() + ": " + log());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String binary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("haproxy not found: scripts/install-deps.sh installs it (Debian's haproxy)");
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
