package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reports a node to the proxy's node API, {@code POST <proxyBase>/as/v1/nodes/heartbeat}, until stopped.
 * Failures are logged and retried at the next beat: a node must survive a proxy restart.
 */
final class Heartbeat {

    static final String PATH = "/as/v1/nodes/heartbeat";
    private static final System.Logger LOG = System.getLogger(Heartbeat.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final SimNode node;
    private final URI target;
    private final HttpClient client = TrustAll.httpClient();
    private final ScheduledExecutorService timer;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile long intervalMs;

    Heartbeat(SimNode node) {
        this.node = node;
        this.target = URI.create(stripSlash(node.config().proxyBase().toString()) + PATH);
        this.intervalMs = node.config().heartbeatIntervalMs();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sim-heartbeat-" + node.id());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        timer.execute(this::beat);
    }

    void stop() {
        timer.shutdownNow();
    }

    /** Heartbeats the proxy answered with 200. */
    int accepted() {
        return accepted.get();
    }

    private void beat() {
        try {
            send();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "heartbeat of " + node.id() + " to " + target + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!timer.isShutdown()) {
            timer.schedule(this::beat, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void send() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(node.heartbeatPayload())));
        if (node.config().nodeSecret() != null) {
            request.header("Authorization", "Bearer " + node.config().nodeSecret());
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            LOG.log(Level.WARNING, "heartbeat of " + node.id() + " got " + response.statusCode() + ": "
                    + response.body());
            return;
        }
        accepted.incrementAndGet();
        adoptInterval(response.body());
    }

    /** The proxy may ask for another pace; anything unreadable keeps the current one. */
    private void adoptInterval(String body) {
        try {
            JsonNode interval = JSON.readTree(body).path("heartbeatIntervalMs");
            if (interval.canConvertToLong() && interval.asLong() > 0) {
                intervalMs = interval.asLong();
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "unreadable heartbeat response: " + body);
        }
    }

    private static String stripSlash(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
