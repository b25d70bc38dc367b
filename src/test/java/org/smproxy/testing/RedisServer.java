package org.smproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A real {@code redis-server} (Debian's package) for a test, on a free loopback port, without persistence. It can be
 * stopped (as a crash: SIGKILL) and started again on the same port, empty, as a restarted server without disk is.
 */
public final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static RedisServer start(Path dir) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer server = new RedisServer(Files.createDirectories(dir), port);
        server.start();
        return server;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "yes"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        Awaitility.await("redis-server answers PING on port " + port).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20)).until(this::answers);
    }

    /** Gone at once, connections reset, as when the server's host dies. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A raw PING: whether the server answers, with no client library in between. */
    public boolean answers() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = in.readNBytes(reply, 0, 7);
            return n == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static String binary() {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/bin/valkey-server")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("redis-server not found: scripts/install-deps.sh installs it (Debian's redis-server)");
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
