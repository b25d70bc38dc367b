package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a transcoder asks the proxy when a publish arrives: the provision that names the stream (the proxy pushes
 * none to nodes) and the origin to publish the renditions to. Both calls carry the configured admin credential.
 */
final class ProvisionClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Red5's HTTP port, which the proxy leaves out of a {@code serverAddress}. */
    private static final int STANDARD_PORT = 5080;

    /** A provision as the transcoder uses it. */
    record Provisioned(String provisionGuid, List<Rendition> renditions) {
    }

    private final HttpClient client = TrustAll.httpClient();
    private final String base;
    private final String token;
    private final String nodeGroup;

    ProvisionClient(URI proxyBase, String adminToken, String nodeGroup) {
        String b = proxyBase.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.token = adminToken;
        this.nodeGroup = nodeGroup;
    }

    /**
     * The group's provision naming the stream, as its {@code provisionGuid} or one of its streams, the rule the proxy
     * selects a transcoder by. The testbed publishes {@code live/test_1} under provision {@code live/test}, so the
     * lookup lists the group's provisions rather than asking for one by guid.
     */
    Optional<Provisioned> provisionOf(String streamGuid) throws IOException, InterruptedException {
        for (JsonNode p : get("/as/v1/streams/provision/" + nodeGroup)) {
            String guid = p.path("provisionGuid").asText();
            List<Rendition> renditions = new ArrayList<>();
            boolean names = guid.equals(streamGuid);
            for (JsonNode s : p.path("streams")) {
                JsonNode video = s.path("videoParams");
                renditions.add(new Rendition(s.path("streamGuid").asText(), video.path("videoWidth").asInt(0),
                        video.path("videoHeight").asInt(0), video.path("videoBitRate").asInt(0)));
                names |= s.path("streamGuid").asText().equals(streamGuid);
            }
            if (names) {
                return Optional.of(new Provisioned(guid, renditions));
            }
        }
        return Optional.empty();
    }

    /**
     * Where the proxy would publish the provision's streams: asked for the provision guid, which nobody publishes
     * (the source rendition is live on this transcoder, so asking for it would be refused as already published).
     */
    URI originFor(String provisionGuid) throws IOException, InterruptedException {
        JsonNode nodes = get("/as/v1/streams/stream/" + nodeGroup + "/publish/" + provisionGuid);
        if (!nodes.isArray() || nodes.isEmpty()) {
            throw new IOException("no origin for " + provisionGuid + " in node group " + nodeGroup);
        }
        URI origin = URI.create("http://" + nodes.get(0).path("serverAddress").asText());
        return origin.getPort() != -1 ? origin : URI.create("http://" + origin.getHost() + ":" + STANDARD_PORT);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
