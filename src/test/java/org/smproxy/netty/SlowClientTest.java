package org.smproxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/** Slow senders against real sockets: cut with a 408 once their phase's time is up, never starving other clients. */
class SlowClientTest {
    @TempDir
    static Path dir;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("proxy.client.headerTimeout", "1s", "proxy.client.bodyTimeout", "1500ms",
                        "standalone.http.port", "0"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Socket tls() throws Exception {
        SSLSocket s = (SSLSocket) proxy.client.sslContext().getSocketFactory()
                .createSocket("127.0.0.1", proxy.server.httpsPort());
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToClose(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void headersThatNeverFinishAreAnswered408AfterTheHeaderTimeout() throws Exception {
        try (Socket s = tls()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /as/v1/health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            String answer = readToClose(s);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(answer).startsWith("HTTP/1.1 408").contains("application/json")
                    .contains("proxy.client.headerTimeout");
            assertThat(ms).as("cut by the 1 s header timeout, not the 60 s idle rule").isBetween(800L, 5_000L);
        }
    }

    @Test
    void aBodyThatTricklesIsAnswered408AfterTheBodyTimeout() throws Exception {
        try (Socket s = tls()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /as/v1/proxy/whip/live/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                    + "Content-Length: 100\r\n\r\nv=0\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readToClose(s);
            assertThat(answer).startsWith("HTTP/1.1 408").contains("proxy.client.bodyTimeout");
        }
    }

    @Test
    void aKeepAliveConnectionBetweenRequestsIsNotARequestThatIsLate() throws Exception {
        try (Socket s = tls()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write("GET /as/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 200");
                in.readNBytes(contentLength(head));
                if (i == 0) { // quiet for longer than both timeouts: idle between requests, which the 60 s rule owns
                    s.setSoTimeout(2_500);
                    org.assertj.core.api.Assertions.assertThatThrownBy(in::read)
                            .as("the proxy says nothing and keeps the connection while it idles")
                            .isInstanceOf(java.net.SocketTimeoutException.class);
                    s.setSoTimeout(10_000);
                }
            }
        }
    }

    @Test
    void aThousandSlowConnectionsDoNotStopANormalRequest() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", proxy.server.httpPort()), 5_000);
                s.getOutputStream().write("GET /as/v1/health HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            long start = System.nanoTime();
            HttpResponse<String> r = Https.send(proxy.client, "GET", proxy.base + "/as/v1/health", null);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(ms).as("answered beside 1,000 slow senders").isLessThan(1_000);
            // and each slow one is cut: the last opened gets its 408 too
            Socket last = slow.get(slow.size() - 1);
            last.setSoTimeout(10_000);
            assertThat(readToClose(last)).startsWith("HTTP/1.1 408");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after: " + b);
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }
}
