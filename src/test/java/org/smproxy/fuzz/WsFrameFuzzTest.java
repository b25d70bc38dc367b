package org.smproxy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.Https;
import org.smproxy.testing.TestProxy;

/**
 * Malformed WebSocket frames on real sockets, after a relayed session is up: each protocol violation RFC 6455 names
 * ends the session within seconds, with a close frame (whose code, when it has one, names the rule: 1002, 1007,
 * 1009) or a closed connection, none left hanging. Then a seeded run of random frames, each followed by a close
 * as a client would send it: never hanging, and on Netty never 1011. Afterwards no session is left in the proxy or on
 * the node, and health answers.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class WsFrameFuzzTest {
    static final String SECRET = "ws-fuzz-nodes-0123456789";
    static final int NO_CLOSE_FRAME = -1;
    static final int TIMED_OUT = -2;

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static EchoWsNode node;

    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "proxy.enabled", "true", "cluster.heartbeat.timeout", "10m", "api.node.secret", SECRET,
                "standalone.server", "tomcat", "standalone.netty.port", "0", "proxy.ws.maxMessageRate", "off"));
        node = new EchoWsNode();
        proxy.heartbeat(SECRET, "{\"id\":\"ws-node\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":"
                + "\"127.0.0.1\",\"httpPort\":" + node.port() + ",\"state\":\"INSERVICE\"}");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** A frame as a client writes it; {@code declared} overrides the payload length in the header (-1: the real one). */
    static byte[] frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload, long declared) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF));
        long len = declared >= 0 ? declared : payload.length;
        int maskBit = masked ? 0x80 : 0;
        if (len < 126) {
            out.write(maskBit | (int) len);
        } else if (len < 65536) {
            out.write(maskBit | 126);
            out.write((int) (len >> 8));
            out.write((int) len);
        } else {
            out.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (len >> (8 * i)));
            }
        }
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        if (masked) {
            out.write(key, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ key[i % 4] : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] text(String s) {
        return frame(true, 0, 1, true, s.getBytes(StandardCharsets.UTF_8), -1);
    }

    static byte[] close(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return frame(true, 0, 8, true, p, -1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    /** Each violation, and the close codes RFC 6455 allows for it (a closed connection is always allowed). */
    static Map<String, Object[]> violations() {
        Map<String, Object[]> v = new LinkedHashMap<>();
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        v.put("unmasked client frame", new Object[] {frame(true, 0, 1, false, hello, -1), List.of(1002)});
        v.put("reserved bits without an extension", new Object[] {frame(true, 4, 1, true, hello, -1), List.of(1002)});
        v.put("reserved opcode 3", new Object[] {frame(true, 0, 3, true, hello, -1), List.of(1002)});
        v.put("reserved control opcode 0xB", new Object[] {frame(true, 0, 0xB, true, hello, -1), List.of(1002)});
        v.put("fragmented ping", new Object[] {frame(false, 0, 9, true, hello, -1), List.of(1002)});
        v.put("control frame over 125 bytes", new Object[] {frame(true, 0, 9, true, new byte[126], -1), List.of(1002)});
        v.put("continuation without a start", new Object[] {frame(true, 0, 0, true, hello, -1), List.of(1002)});
        v.put("a new message inside a fragmented one", new Object[] {concat(frame(false, 0, 1, true, hello, -1),
                frame(true, 0, 1, true, hello, -1)), List.of(1002)});
        v.put("text that is not UTF-8", new Object[] {frame(true, 0, 1, true, new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF},
                -1), List.of(1007)});
        v.put("close with a one-byte body", new Object[] {frame(true, 0, 8, true, new byte[] {3}, -1), List.of(1002)});
        v.put("close with code 999", new Object[] {close(999, "x"), List.of(1002)});
        v.put("close with reserved code 1005", new Object[] {close(1005, ""), List.of(1002)});
        v.put("frame over the 64 KiB limit", new Object[] {frame(true, 0, 2, true, new byte[70_000], -1), List.of(1009)});
        // with data following: a server may wait for a frame's bytes (Tomcat reads until its buffer is full), but not
        // past its limit
        v.put("length of 2^63 - 1 declared", new Object[] {frame(true, 0, 2, true, new byte[70_000], Long.MAX_VALUE),
                List.of(1002, 1009)});
        v.put("length with the top bit set", new Object[] {concat(new byte[] {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0,
                0, 0, 0, 1}, new byte[] {1, 2, 3, 4}), List.of(1002, 1009)});
        return v;
    }

    @Test
    void everyProtocolViolationEndsTheSessionWithItsCloseCode() throws Exception {
        Map<String, String> wrong = new TreeMap<>();
        for (Map.Entry<String, Object[]> c : violations().entrySet()) {
            @SuppressWarnings("unchecked")
            List<Integer> allowed = (List<Integer>) c.getValue()[1];
            int outcome;
            try (Session s = open("v" + Math.abs(c.getKey().hashCode()))) {
                s.send((byte[]) c.getValue()[0]);
                outcome = s.awaitClose();
            }
            // RFC 6455 7.1.7: failing a connection MAY send a close frame with a code; one without any is allowed
            if (outcome != NO_CLOSE_FRAME && outcome != 1005 && !allowed.contains(outcome)) {
                wrong.put(c.getKey(), outcome == TIMED_OUT ? "no answer in 5 s" : "closed with " + outcome
                        + " (expected " + allowed + ")");
            }
        }
        assertThat(wrong).isEmpty();
        assertNothingLeft();
    }

    @Test
    void randomFramesThenACloseAlwaysEndTheSessionAndLeaveNothing() throws Exception {
        Random random = new Random(20261207L); // fixed: a failure names its case, and the case is the same next run
        Map<Integer, Integer> outcomes = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] payload = new byte[random.nextInt(4) == 0 ? 126 + random.nextInt(300) : random.nextInt(40)];
            random.nextBytes(payload);
            int opcode = random.nextInt(3) == 0 ? random.nextInt(16) : new int[] {0, 1, 2, 8, 9, 10}[random.nextInt(6)];
            byte[] f = frame(random.nextInt(4) > 0, random.nextInt(6) == 0 ? random.nextInt(8) : 0, opcode,
                    random.nextInt(10) > 0, payload, -1);
            int outcome;
            try (Session s = open("r" + i)) {
                s.send(concat(f, close(1000, "bye")));
                outcome = s.awaitClose();
            }
            outcomes.merge(outcome, 1, Integer::sum);
            // Tomcat (Red5's container) itself, not the relay, now and then answers a violation that races an
            // outbound frame of the session with 1011 (seen about one run in three, never from the relay's own
            // closes); the session still ends and is freed, which is what this checks there. Netty never does.
            if (outcome == TIMED_OUT || (outcome == 1011 && "netty".equals(adapter))) {
                bad.add("case " + i + " (opcode " + opcode + ", " + payload.length + " bytes): "
                        + (outcome == TIMED_OUT ? "no close in 5 s" : "1011"));
            }
        }
        assertThat(bad).as("%s, outcomes: %s", adapter, outcomes).isEmpty();
        assertNothingLeft();
    }

    @Test
    void aClientVanishingInsideAFrameFreesItsSession() throws Exception {
        for (int i = 0; i < 10; i++) {
            try (Session s = open("gone" + i)) {
                // a header that promises 1,000 bytes, and only ten of them
                byte[] f = frame(true, 0, 1, true, new byte[1000], -1);
                s.out.write(f, 0, 16);
                s.out.flush();
            } // the socket closes here, without a close frame
        }
        assertNothingLeft();
    }

    private void assertNothingLeft() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.core().wsSessions().size() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.openSessions() == 0);
        assertThat(Https.send(proxy.client, "GET", proxy.base + "/as/v1/health", null).statusCode()).isEqualTo(200);
    }

    private int port() {
        return "netty".equals(adapter) ? proxy.server.nettyPort() : proxy.server.httpsPort();
    }

    /** A relayed session over a raw TLS socket: upgraded, and one message echoed through the node, so both legs are up. */
    private Session open(String id) throws Exception {
        SSLSocket socket = (SSLSocket) proxy.client.sslContext().getSocketFactory().createSocket("127.0.0.1", port());
        socket.setSoTimeout(5_000);
        Session s = new Session(socket);
        String upgrade = "GET /streammanager/?id=" + id + "&host=127.0.0.1:" + node.port() + "&app=live HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Protocol: json\r\n\r\n";
        s.out.write(upgrade.getBytes(StandardCharsets.US_ASCII));
        s.out.flush();
        String head = s.readHead();
        assertThat(head).startsWith("HTTP/1.1 101");
        s.out.write(text("ping-" + id));
        s.out.flush();
        int[] first = s.readFrame();
        while (first[0] == 9 || first[0] == 10) { // the proxy's keep-alive pings may come first
            first = s.readFrame();
        }
        assertThat(first[0]).as("the echo of the first message").isEqualTo(1);
        return s;
    }

    static final class Session implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final InputStream in;

        Session(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
        }

        /** Writes what it can: a server that stops reading at a bad header may close before the rest is sent. */
        void send(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException closedWhileWriting) {
                // what the server answered before closing is still there to read
            }
        }

        String readHead() throws IOException {
            StringBuilder b = new StringBuilder();
            while (!b.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                b.append((char) c);
            }
            return b.toString();
        }

        /** {opcode, close code or 0}, or {-1} at the end of the stream. */
        int[] readFrame() throws IOException {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return new int[] {-1};
            }
            long len = b1 & 0x7F;
            if (len == 126) {
                len = (in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] payload = in.readNBytes((int) Math.min(len, 1 << 20));
            int opcode = b0 & 0xF;
            int code = opcode == 8 && payload.length >= 2 ? (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF) : 0;
            return new int[] {opcode, code};
        }

        /** The code of the server's close frame, NO_CLOSE_FRAME if the connection ended without one, or TIMED_OUT. */
        int awaitClose() throws IOException {
            try {
                for (int frames = 0; frames < 100; frames++) {
                    int[] f = readFrame();
                    if (f[0] == -1) {
                        return NO_CLOSE_FRAME;
                    }
                    if (f[0] == 8) {
                        return f[1] == 0 ? 1005 : f[1];
                    }
                }
                return TIMED_OUT;
            } catch (SocketTimeoutException e) {
                return TIMED_OUT;
            } catch (java.net.SocketException e) {
                return NO_CLOSE_FRAME; // reset
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
