package org.smproxy.hls;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.zip.CRC32C;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import org.smproxy.config.ProxyConfig;
import org.smproxy.http.NodeClient;

/**
 * Playlists and segments from nodes, shared by every viewer: concurrent requests for the same object collapse
 * into one node fetch (later callers wait on the same future), bodies are held once, bounded in bytes, and kept
 * for their useful life: segments for {@code proxy.hls.segmentTtl}, playlists only a fraction of a target duration.
 * The key is the node URL with its query, credentials included, so nothing is served across credentials.
 */
public final class HlsCache {
    /** The largest file fetched from a node: far above any HLS segment. */
    static final int MAX_BODY = 32 * 1024 * 1024;

    record Key(String nodeId, URI url, boolean playlist) {
    }

    /** A node's answer as cached: shared by all readers, never modified. */
    record Entry(String contentType, byte[] body, String etag) {
    }

    /** The node answered, but not with a 2xx: relayed as it is, and never cached. */
    static final class NodeStatus extends RuntimeException {
        final int status;
        final String contentType;
        final byte[] body;

        NodeStatus(int status, String contentType, byte[] body) {
            super("node answered " + status, null, false, false);
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }
    }

    private final AsyncCache<Key, Entry> cache;
    private final NodeClient nodes;
    private final ProxyConfig config;
    private final AtomicLong fetches = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder collapsed = new LongAdder();
    private final LongAdder served = new LongAdder();

    public HlsCache(NodeClient nodes, ProxyConfig config) {
        this.nodes = nodes;
        this.config = config;
        ProxyConfig.Hls hls = config.hls();
        this.cache = Caffeine.newBuilder()
                .maximumWeight(hls.cacheBytes())
                .weigher((Key k, Entry e) -> e.body().length + 256)
                .expireAfter(new Expiry<Key, Entry>() {
                    @Override
                    public long expireAfterCreate(Key key, Entry value, long currentTime) {
                        return (key.playlist() ? hls.playlistMaxAge() : hls.segmentTtl()).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(Key key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(Key key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .executor(nodes.callbacks())
                .buildAsync();
    }

    /** The cached answer, or the one fetch every concurrent caller shares. */
    CompletableFuture<Entry> get(Key key, String nodeName) {
        return get(key, nodeName, null);
    }

    /** @param requestId sent to the node with a fetch this call starts (a collapsed call's own id is not) */
    CompletableFuture<Entry> get(Key key, String nodeName, String requestId) {
        long before = fetches.get();
        BiFunction<Key, Executor, CompletableFuture<Entry>> load =
                (k, executor) -> fetch(k, nodeName, requestId);
        CompletableFuture<Entry> f = cache.get(key, load);
        // Caffeine drops a failed fetch from a callback that may not have run yet: a failure is never an answer to
        // keep, so a caller arriving in that moment asks the node again instead of getting the last caller's error.
        if (f.isCompletedExceptionally()) {
            cache.asMap().remove(key, f);
            f = cache.get(key, load);
        }
        // counted for the dashboard, not for correctness: a fetch by another caller in between may tip one either way
        if (fetches.get() == before) {
            (f.isDone() ? hits : collapsed).increment();
        }
        return f;
    }

    /** Bytes sent to viewers from this cache's objects (the egress the proxy saves its nodes). */
    void served(long bytes) {
        served.add(bytes);
    }

    /** Requests answered from a cached object. */
    public long hits() {
        return hits.sum();
    }

    /** Requests that joined a fetch already under way instead of starting their own. */
    public long collapsed() {
        return collapsed.sum();
    }

    public long servedBytes() {
        return served.sum();
    }

    private CompletableFuture<Entry> fetch(Key key, String nodeName, String requestId) {
        fetches.incrementAndGet();
        String query = key.url().getRawQuery();
        // LL-HLS blocking reloads are held open by the node until the part exists: give them the longer deadline.
        Duration timeout = query != null && query.contains("_HLS_msn=") ? config.hls().blockingTimeout()
                : config.relay().requestTimeout();
        HttpRequest.Builder request = HttpRequest.newBuilder(key.url()).timeout(timeout).GET();
        if (requestId != null) {
            request.header(org.smproxy.http.RelayLog.HEADER, requestId);
        }
        return nodes.send(request.build(), MAX_BODY, nodeName).thenApply(HlsCache::toEntry);
    }

    private static Entry toEntry(HttpResponse<byte[]> r) {
        String type = r.headers().firstValue("Content-Type").orElse(null);
        if (r.statusCode() / 100 != 2) {
            throw new NodeStatus(r.statusCode(), type, r.body());
        }
        String etag = r.headers().firstValue("ETag").orElseGet(() -> {
            CRC32C crc = new CRC32C();
            crc.update(r.body());
            return "\"" + Long.toHexString(crc.getValue()) + "-" + r.body().length + "\"";
        });
        return new Entry(type, r.body(), etag);
    }

    /** Node fetches so far: what the collapsing is measured by. */
    public long fetches() {
        return fetches.get();
    }

    public long sizeBytes() {
        return cache.synchronous().policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

}
