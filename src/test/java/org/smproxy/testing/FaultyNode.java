package org.smproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node that misbehaves on purpose, on a real socket, one way per request: the last segment of the request's path
 * names how ({@code /live/whip/endpoint/reset} and {@code /live/reset.m3u8} reset mid-answer). A test sends the proxy a request for a stream of
 * that name and checks what the client gets and that the proxy lets go of the connection.
 */
public final class FaultyNode implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    public FaultyNode() throws IOException {
        server = new ServerSocket(0, 100, InetAddress.getByName("127.0.0.1"));
        threads.execute(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections the proxy still holds to this node. */
    public int openConnections() {
        open.removeIf(Socket::isClosed);
        return open.size();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            int length = contentLength(head);
            in.readNBytes(length);
            String line = head.substring(0, head.indexOf('\r'));
            String path = line.split(" ")[1];
            String mode = path.substring(path.lastIndexOf('/') + 1);
            int q = mode.indexOf('?');
            mode = q < 0 ? mode : mode.substring(0, q);
            int dot = mode.indexOf('.');
            mode = dot < 0 ? mode : mode.substring(0, dot); // an HLS file: live/reset.m3u8 resets too
            OutputStream out = s.getOutputStream();
            switch (mode) {
                case "close" -> { } // read the request, answer nothing, hang up
                case "reset" -> {
                    out.write(ascii("HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nContent-Length: 100\r\n\r\nv=0\r\n"));
                    out.flush();
                    s.setSoLinger(true, 0); // closing now sends RST
                }
                case "garbage" -> out.write(ascii("SSH-2.0-OpenSSH_9.2\r\n\r\nnot http at all\r\n"));
                case "huge" -> {
                    out.write(ascii("HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nContent-Length: 100000000\r\n\r\n"));
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 100_000_000 / chunk.length; i++) {
                        out.write(chunk); // until the proxy stops reading and closes
                    }
                }
                case "tricklehead" -> trickle(out, "HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\n"
                        + "Content-Length: 4\r\n\r\nv=0\n");
                case "tricklebody" -> {
                    out.write(ascii("HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nContent-Length: 60\r\n\r\n"));
                    trickle(out, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 0\r\n0123");
                }
                case "error500" -> {
                    byte[] body = ascii("{\"error\":\"the node broke\"}");
                    out.write(ascii("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n"));
                    out.write(body);
                }
                default -> out.write(ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
            }
            out.flush();
        } catch (IOException | InterruptedException proxyHungUp) {
            // what the proxy is meant to do to a node like this
        }
    }

    /** A byte every 300 ms: a node that is alive, and useless. */
    private static void trickle(OutputStream out, String text) throws IOException, InterruptedException {
        for (byte b : ascii(text)) {
            out.write(b);
            out.flush();
            Thread.sleep(300);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return null;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
