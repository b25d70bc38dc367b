package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import org.smproxy.config.ProxyConfig;
import org.smproxy.http.NodeClient;

/**
 * The HLS cache over arbitrary sequences of fetches from a real node socket: answers of any size and status,
 * repeated, concurrent, more than the cache holds. Every caller gets exactly the node's answer; a non-2xx answer is
 * never kept (so a flood of missing names cannot fill the heap: each one is asked again); and the cache's bytes
 * stay within its bound whatever came through it.
 */
class HlsCachePropertiesTest {
    private static final long BOUND = 1024 * 1024; // the smallest proxy.hls.cacheSize allowed
    private static HttpServer node;
    private static final AtomicLong hits = new AtomicLong();
    private static NodeClient client;
    private static HlsCache cache;

    /** The node: {@code /f/<status>/<size>/<name>} answers that status with {@code size} bytes drawn from the name. */
    @BeforeContainer
    static void start() throws IOException {
        node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        node.createContext("/f/", exchange -> {
            hits.incrementAndGet();
            String[] p = exchange.getRequestURI().getPath().split("/");
            int status = Integer.parseInt(p[2]);
            byte[] body = body(Integer.parseInt(p[3]), p[4]);
            exchange.getResponseHeaders().add("Content-Type", "video/mp2t");
            exchange.sendResponseHeaders(status, status == 204 ? -1 : body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (status != 204) {
                    out.write(body);
                }
            }
        });
        node.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        node.start();
        Properties p = new Properties();
        p.setProperty("proxy.hls.cacheSize", String.valueOf(BOUND));
        client = new NodeClient(Duration.ofSeconds(2));
        cache = new HlsCache(client, ProxyConfig.fromProperties(p, null));
    }

    @AfterContainer
    static void stop() {
        node.stop(0);
        client.close();
    }

    static byte[] body(int size, String name) {
        byte[] b = new byte[size];
        new Random(name.hashCode() * 31L + size).nextBytes(b);
        return b;
    }

    record Fetch(int status, int size, String name, boolean playlist, int callers) {
        URI uri() {
            return URI.create("http://127.0.0.1:" + node.getAddress().getPort() + "/f/" + status + "/" + size + "/" + name
                    + (playlist ? ".m3u8" : ".ts"));
        }
    }

    @Provide
    Arbitrary<List<Fetch>> sequences() {
        return Combinators.combine(Arbitraries.of(200, 200, 200, 204, 404, 404, 500, 503),
                        Arbitraries.oneOf(Arbitraries.integers().between(0, 2000),
                                Arbitraries.integers().between(100_000, 400_000)),
                        Arbitraries.of("a", "b", "c", "d", "e", "f", "g", "h"), Arbitraries.of(false, false, true),
                        Arbitraries.integers().between(1, 3))
                .as(Fetch::new).list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 60)
    void everyCallerGetsTheNodesAnswerFailuresAreNeverKeptAndTheBoundHolds(@ForAll("sequences") List<Fetch> fetches)
            throws Exception {
        for (Fetch f : fetches) {
            HlsCache.Key key = new HlsCache.Key("n1", f.uri(), f.playlist());
            List<CompletableFuture<HlsCache.Entry>> calls = new ArrayList<>();
            for (int i = 0; i < f.callers(); i++) {
                calls.add(cache.get(key, "n1"));
            }
            byte[] expected = f.status() == 204 ? new byte[0] : body(f.size(), f.name() + (f.playlist() ? ".m3u8" : ".ts"));
            for (CompletableFuture<HlsCache.Entry> call : calls) {
                assertAnswer(call, f.status(), expected);
            }
            if (f.status() / 100 != 2) {
                long before = hits.get();
                assertAnswer(cache.get(key, "n1"), f.status(), expected);
                assertThat(hits.get()).as("a %d answer was served from the cache", f.status()).isEqualTo(before + 1);
            }
        }
        // Caffeine evicts on its maintenance cycle, right after the writes: give it that moment
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (cache.sizeBytes() > BOUND && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(cache.sizeBytes()).isLessThanOrEqualTo(BOUND);
    }

    private static void assertAnswer(CompletableFuture<HlsCache.Entry> call, int status, byte[] expected)
            throws Exception {
        try {
            HlsCache.Entry e = call.get(10, TimeUnit.SECONDS);
            assertThat(status / 100).isEqualTo(2);
            assertThat(e.body()).isEqualTo(expected);
            assertThat(e.etag()).isNotBlank();
        } catch (java.util.concurrent.ExecutionException | CompletionException ex) {
            Throwable cause = ex.getCause();
            assertThat(cause).as("a %d answer", status).isInstanceOf(HlsCache.NodeStatus.class);
            HlsCache.NodeStatus ns = (HlsCache.NodeStatus) cause;
            assertThat(ns.status).isEqualTo(status);
            assertThat(ns.body).isEqualTo(expected);
        }
    }
}
