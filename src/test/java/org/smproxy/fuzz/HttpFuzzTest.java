package org.smproxy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * A short HTTP-level fuzz run against the running server: malformed request lines, headers, chunked encodings and
 * bodies on real sockets. Every one is answered (a 4xx; a 502-504 where a node was asked) or closed, none with a
 * 500, none hangs past the short request timeouts set here; afterwards health answers and no connection is left open.
 */
class HttpFuzzTest {
    @TempDir
    static Path dir;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}",
                Map.of("proxy.client.headerTimeout", "300ms", "proxy.client.bodyTimeout", "300ms", "standalone.http.port", "0",
                        "proxy.enabled", "true", "api.admin.token", "fuzz-admin-token-0123456789"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static final String[] METHODS = {"GET", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD", "PUT", "BREW", "",
        "G\u00e9T", "GET GET"};
    private static final String[] PATHS = {"/as/v1/proxy/whip/live/s", "/as/v1/proxy/whep/live/s",
        "/live/whip/endpoint/s", "/as/v1/proxy/whip/resource/abc.def.ghi", "/as/v1/streams/stream/ng1/publish/live/s",
        "/streammanager/api/4.0/event/live/s?action=subscribe", "/as/v1/proxy/hls/live/s.m3u8", "/as/v1/admin/nodes",
        "/as/v1/nodes/heartbeat", "/as/v1/proxy/ws/subscribe/live/s", "/streammanager/?host=127.0.0.1:22&app=live",
        "/%2e%2e/%2e%2e/etc/passwd", "/as/v1/proxy/whip/live/..%2f..%2fx", "*", "http://evil.example/", "",
        "/" + "a".repeat(9000), "/as/v1/health?" + "q=1&".repeat(3000), "/\u0000", "/as/v1/metrics"};
    private static final String[] HEADERS = {"Content-Type: application/sdp", "Content-Type: application/json",
        "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999999", "Content-Length: 3, 4",
        "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked\r\nContent-Length: 4",
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==",
        "Upgrade: websocket\r\nConnection: Upgrade", "Authorization: Bearer " + "x".repeat(5000),
        "Authorization: Basic Zm9vOmJhcg==", "Host:", "X-Big: " + "y".repeat(10_000), "Origin: https://evil.example",
        "Expect: 100-continue", " folded: header", "NoColon", "Content-Type: application/sdp\r\nContent-Type: text/plain",
        "X-Forwarded-For: 127.0.0.1, ::1, garbage"};
    private static final String[] BODIES = {"", "v=0\r\n", "{}", "{\"id\":", "5\r\nhello\r\n0\r\n\r\n", "zz\r\nhello\r\n",
        "3\r\nab", "\u0000\u0001\u0002", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "x".repeat(70_000)};

    @Test
    void malformedRequestsAreRefusedAndLeaveNothingBehind() throws Exception {
        Random random = new Random(20261207L); // fixed: a failure names its case, and the case is the same next run
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> fiveHundreds = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            StringBuilder req = new StringBuilder();
            req.append(pick(random, METHODS)).append(' ').append(pick(random, PATHS));
            req.append(random.nextInt(5) == 0 ? " HTTP/9.9" : random.nextInt(8) == 0 ? "" : " HTTP/1.1").append("\r\n");
            req.append("Host: 127.0.0.1\r\n");
            for (int h = random.nextInt(4); h > 0; h--) {
                req.append(pick(random, HEADERS)).append("\r\n");
            }
            if (random.nextInt(10) > 0) {
                req.append("\r\n");
            }
            req.append(pick(random, BODIES));
            int status = exchange(req.toString());
            statuses.merge(status, 1, Integer::sum);
            if (status >= 500 && status != 502 && status != 503 && status != 504) {
                fiveHundreds.add(status + " for " + req.substring(0, Math.min(200, req.length())));
            }
        }
        assertThat(fiveHundreds).as("statuses seen: " + statuses).isEmpty();
        assertThat(statuses).as("every case is answered or closed: " + statuses).doesNotContainKey(-2);
        assertThat(statuses.keySet()).as("most get an answer, not just a closed socket: " + statuses)
                .contains(400, 408);
        HttpResponse<String> health = Https.send(proxy.client, "GET", proxy.base + "/as/v1/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = Https.send(proxy.client, "GET", proxy.base + "/as/v1/metrics", null);
        assertThat(metrics.body()).containsPattern("smproxy_ws_sessions(\\{[^}]*})? 0");
    }

    private static String pick(Random random, String[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** The status of the first answer, -1 when the connection closed without one, -2 when nothing came in 5 s. */
    private static int exchange(String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.server.httpPort()), 5_000);
            s.setSoTimeout(5_000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            } catch (java.io.IOException closedWhileWriting) {
                // the server refused part way (a body past the limit): what it said is still there to read
            }
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            try {
                while (n < head.length) {
                    int r = in.read(head, n, head.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
            } catch (SocketTimeoutException e) {
                return -2;
            } catch (java.net.SocketException reset) {
                return n >= 12 ? parse(head) : -1;
            }
            return n >= 12 ? parse(head) : -1;
        }
    }

    private static int parse(byte[] head) {
        String line = new String(head, StandardCharsets.US_ASCII);
        assertThat(line).startsWith("HTTP/1.");
        return Integer.parseInt(line.substring(9, 12));
    }
}
