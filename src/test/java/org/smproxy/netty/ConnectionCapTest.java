package org.smproxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.TestProxy;

/** One address may hold only so many connections; the next is closed at once, and a freed place is taken again. */
class ConnectionCapTest {
    @TempDir
    static Path dir;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("proxy.client.maxConnectionsPerAddress", "5", "standalone.http.port", "0"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Socket open() throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.server.httpPort()), 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    /** A health request on the connection: the status line, or null when the proxy closed it instead. */
    private static String health(Socket s) throws Exception {
        try {
            s.getOutputStream().write("GET /as/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] line = in.readNBytes(12);
            return line.length < 12 ? null : new String(line, StandardCharsets.US_ASCII);
        } catch (java.net.SocketException closed) {
            return null;
        }
    }

    @Test
    void theConnectionPastTheCapIsClosedAndAFreedPlaceIsTakenAgain() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Socket s = open();
                assertThat(health(s)).as("connection " + (i + 1)).isEqualTo("HTTP/1.1 200");
                held.add(s);
            }
            try (Socket sixth = open()) {
                assertThat(health(sixth)).as("the sixth from the same address").isNull();
            }
            held.remove(0).close();
            String again = null;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (again == null && System.nanoTime() < deadline) { // the close reaches the proxy's loop shortly
                try (Socket s = open()) {
                    again = health(s);
                }
            }
            assertThat(again).isEqualTo("HTTP/1.1 200");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
