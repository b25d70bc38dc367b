package org.smproxy.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy-to-node HTTP leg: pooled HTTP/1.1 keep-alive clients, non-blocking, with bounded response bodies and
 * failures translated into {@link UpstreamException}s that say whether a retry is safe.
 *
 * <p>Two clients. WHIP/WHEP answers go through {@link #send(NodeLeg.Request)}, on a client whose callbacks run on its own
 * selector thread: what follows an answer only hands bytes to a non-blocking servlet writer, and a hop to a pool
 * would cost a thread wake-up per request (a fifth of the relay's CPU, measured). The WebSocket relay and the HLS
 * cache keep a client with a callback pool: their callbacks may block briefly (a container's close, cache work).
 */
public final class NodeClient implements NodeLeg, AutoCloseable {
    private final ExecutorService executor;
    private final HttpClient client;
    private final HttpClient direct;

    public NodeClient(Duration connectTimeout) {
        AtomicInteger n = new AtomicInteger();
        // Callbacks only copy headers and hand bytes to non-blocking writers, so a small pool carries any load.
        this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "smproxy-node-client-" + n.incrementAndGet());
            t.setDaemon(true);
            // Not the webapp's loader of whichever request made the thread: that would pin it after undeploy.
            t.setContextClassLoader(NodeClient.class.getClassLoader());
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                // Redirects must reach the client as they are: following them would send it to a node behind our back.
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        this.direct = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Runnable::run)
                .build();
    }

    public HttpClient http() {
        return client;
    }

    /** The pooled client's callback threads (never its selector, never a container thread): for work that may block. */
    public java.util.concurrent.Executor callbacks() {
        return executor;
    }

    /** Sends and collects the response body, at most {@code maxBody} bytes of it. */
    public CompletableFuture<HttpResponse<byte[]>> send(HttpRequest request, int maxBody, String nodeName) {
        CompletableFuture<HttpResponse<byte[]>> result = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<LimitedBody> reading = new java.util.concurrent.atomic.AtomicReference<>();
        request.timeout().ifPresent(t -> bound(result, t.toMillis(), nodeName, reading));
        client.sendAsync(request, info -> {
                    LimitedBody body = new LimitedBody(maxBody);
                    reading.set(body);
                    return body;
                })
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(translate(failure, nodeName, request.timeout().orElse(null)));
                    } else {
                        result.complete(response);
                    }
                });
        return result;
    }

    /**
     * The JDK's request timeout ends once the headers are in, so a node trickling its body would hold the exchange
     * for ever: this bounds the whole of it (completing the result cancels the timer) and, past it, drops the body
     * and with it the connection, which still holds the rest of a body nobody will read.
     */
    private static void bound(CompletableFuture<?> result, long millis, String nodeName,
                              java.util.concurrent.atomic.AtomicReference<LimitedBody> reading) {
        CompletableFuture<Void> deadline = new CompletableFuture<Void>().orTimeout(millis, TimeUnit.MILLISECONDS);
        deadline.whenComplete((v, late) -> {
            if (late != null && result.completeExceptionally(new UpstreamException(UpstreamException.Kind.TIMEOUT, false,
                    "node " + nodeName + " did not answer within " + millis + " ms", late))) {
                LimitedBody body = reading.get();
                if (body != null) {
                    body.abort();
                }
            }
        });
        result.whenComplete((a, e) -> deadline.complete(null));
    }

    /**
     * The WHIP/WHEP leg: sent on the direct client, completing on its selector thread as soon as the body is in
     * ({@code sendAsync}'s own future would first hop to the common pool). Failures and timeouts only come through
     * that future (a body that completes has completed the answer already), translated.
     */
    @Override
    public CompletableFuture<NodeLeg.Answer> send(NodeLeg.Request r) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + r.host() + ":" + r.port() + r.target()))
                .timeout(Duration.ofMillis(r.timeoutMillis()))
                .method(r.method(), r.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(r.body()));
        for (Map.Entry<String, String> h : r.headers()) {
            b.header(h.getKey(), h.getValue());
        }
        HttpRequest request = b.build();
        CompletableFuture<NodeLeg.Answer> answer = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<LimitedBody> reading = new java.util.concurrent.atomic.AtomicReference<>();
        bound(answer, r.timeoutMillis(), r.nodeName(), reading);
        direct.sendAsync(request, info -> {
                    LimitedBody body = new LimitedBody(r.maxAnswerBytes());
                    reading.set(body);
                    HttpHeaders headers = info.headers();
                    body.result.thenAccept(bytes -> answer.complete(
                            new NodeLeg.Answer(info.statusCode(), headers::allValues, bytes)));
                    return body;
                })
                .exceptionally(failure -> {
                    answer.completeExceptionally(translate(failure, r.nodeName(), request.timeout().orElse(null)));
                    return null;
                });
        return answer;
    }

    static UpstreamException translate(Throwable failure, String node, Duration timeout) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof HttpConnectTimeoutException) {
            return new UpstreamException(UpstreamException.Kind.UNREACHABLE, true,
                    "node " + node + " did not accept a connection in time", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new UpstreamException(UpstreamException.Kind.TIMEOUT, false, "node " + node + " did not answer within "
                    + (timeout == null ? "the timeout" : timeout.toMillis() + " ms"), cause);
        }
        if (cause instanceof ConnectException) {
            return new UpstreamException(UpstreamException.Kind.UNREACHABLE, true,
                    "node " + node + " refused the connection", cause);
        }
        if (cause instanceof TooLarge) {
            return new UpstreamException(UpstreamException.Kind.BAD_RESPONSE, false, "node " + node + " " + cause.getMessage(), cause);
        }
        return new UpstreamException(UpstreamException.Kind.UNREACHABLE, false,
                "node " + node + " could not be reached: " + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private static final class TooLarge extends IOException {
        TooLarge(int max) {
            super("answered with a body larger than " + max + " bytes");
        }
    }

    /** Collects a response body, giving up (and cancelling the exchange) past {@code max} bytes. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private byte[] buffer = new byte[0];
        private int size;
        private volatile Flow.Subscription subscription;

        LimitedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (size + b.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge(max));
                    return;
                }
                if (size + b.remaining() > buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, Math.min(max, Math.max(buffer.length * 2, size + b.remaining())));
                }
                int n = b.remaining();
                b.get(buffer, size, n);
                size += n;
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        void abort() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public void onComplete() {
            result.complete(size == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, size));
        }
    }
}
