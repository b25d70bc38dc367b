package org.smproxy.sim.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.smproxy.sim.TrustAll;

/**
 * The demo page's ABR: provisions three renditions of a stream through the proxy's SM 2.0 provision API, as Red5's
 * transcoder pages do, but from the server with the admin token, so the page never holds a credential.
 */
final class AbrProvisioner {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Sizes and bitrates of the renditions {@code <stream>_1..3}, best first, as Red5's examples provision them. */
    static final List<int[]> RENDITIONS = List.of(new int[] {640, 360, 1_500_000}, new int[] {480, 270, 800_000},
            new int[] {320, 180, 400_000});

    private final HttpClient client = TrustAll.httpClient();
    private final String base;
    private final String adminToken;
    private final String nodeGroup;

    AbrProvisioner(String proxyBase, String adminToken, String nodeGroup) {
        this.base = proxyBase.endsWith("/") ? proxyBase.substring(0, proxyBase.length() - 1) : proxyBase;
        this.adminToken = adminToken;
        this.nodeGroup = nodeGroup;
    }

    /**
     * Provisions {@code live/<name>} with renditions {@code live/<name>_1..3} (one already there is kept as it is).
     * Asynchronous: the page's request is served on the proxy's own I/O threads, which must not wait on a call back
     * to the same server.
     *
     * @return what to publish with {@code transcode=true}: the first rendition's stream name
     */
    CompletableFuture<String> provision(String name) {
        List<Map<String, Object>> streams = new ArrayList<>();
        for (int i = 0; i < RENDITIONS.size(); i++) {
            int[] r = RENDITIONS.get(i);
            streams.add(Map.of("streamGuid", "live/" + name + "_" + (i + 1), "abrLevel", i + 1, "videoParams",
                    Map.of("videoWidth", r[0], "videoHeight", r[1], "videoBitRate", r[2])));
        }
        String body;
        try {
            body = JSON.writeValueAsString(List.of(Map.of("provisionGuid", "live/" + name, "streams", streams)));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/as/v1/streams/provision/" + nodeGroup))
                .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 201 && r.statusCode() != 409) {
                throw new IllegalStateException("the provision API answered " + r.statusCode() + ": " + r.body());
            }
            return name + "_1";
        });
    }
}
