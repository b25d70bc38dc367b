package org.smproxy.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.Provision;
import org.smproxy.cluster.SelectionRequest;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.http.Params;
import org.smproxy.http.SelectionParams;
import org.smproxy.http.TokenCheck;
import org.smproxy.store.ClusterStore;

/**
 * SM 2.0 provisions under {@code /as/v1/streams/provision} (wire reference §10), the admin token or JWT on every
 * call. A provision names a stream and the renditions a transcoder makes of it; publishing with
 * {@code transcode=true} needs one. They are cluster state: written through the store, read from the local view.
 * They are not pushed to nodes: that is Red5's own business.
 *
 * <pre>
 * POST   .../provision/{nodeGroup}             [provision, ...]   201 {"result":"CREATED"}; 409 if one exists
 * PUT    .../provision/{nodeGroup}             [provision, ...]   200 {"result":"UPDATED"}; 404 if one does not
 * GET    .../provision/{nodeGroup}             every provision of the group
 * GET    .../provision/{nodeGroup}/{guid}      one (the guid may hold slashes: live/test)
 * DELETE .../provision/{nodeGroup}/{guid}      204
 * POST   .../provision/{nodeGroup}/distribute/{guid}?capabilities=&amp;subgroup=&amp;strict=&amp;endpoints=
 *                                              the nodes to publish it to, a transcoder first when it transcodes
 * </pre>
 */
public final class ProvisionApi extends ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(ProvisionApi.class);
    /** A hundred provisions of a few renditions each, with room to spare. */
    private static final int MAX_BODY = 256 * 1024;
    /** Every replica holds them all in memory. */
    static final int MAX_PER_GROUP = 10_000;

    private final ClusterModel cluster;
    private final ClusterStore store;
    private final TokenCheck token;

    public ProvisionApi(ClusterModel cluster, ClusterStore store, TokenCheck token) {
        super(ErrorDialect.SM2);
        this.cluster = cluster;
        this.store = store;
        this.token = token;
    }

    /** Red5's answer to a write. */
    public record Result(String result) {
    }

    @Override
    public int maxBodyBytes() {
        return MAX_BODY;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        token.require(call);
        if (call.segment(0) == null || call.segment(0).isEmpty()) {
            throw call.notFound();
        }
        String group = cluster.group(call.segment(0)).name();
        String guid = call.rest(1);
        if (guid.isEmpty()) {
            return switch (call.method()) {
                case "POST" -> create(call, group);
                case "PUT" -> update(call, group);
                case "GET" -> HttpOut.json(200, bodies(cluster.provisions().of(group)));
                default -> throw call.methodNotAllowed("GET, POST, PUT");
            };
        }
        if ("POST".equals(call.method()) && "distribute".equals(call.segment(1)) && call.path().size() > 2) {
            return distribute(call, group, find(group, call.rest(2)));
        }
        return switch (call.method()) {
            case "GET" -> HttpOut.json(200, body(find(group, guid)));
            case "DELETE" -> delete(group, find(group, guid));
            default -> throw call.methodNotAllowed("GET, DELETE");
        };
    }

    private HttpOut create(ApiCall call, String group) {
        List<Provision> provisions = ProvisionBody.read(call.in().body(), group);
        for (Provision p : provisions) {
            if (cluster.provisions().find(group, p.guid()).isPresent()) {
                throw new ApiException(409, "Provision already exists: '" + p.guid() + "' in node group '" + group + "'");
            }
        }
        int after = cluster.provisions().of(group).size() + provisions.size();
        if (after > MAX_PER_GROUP) {
            throw new ApiException(400, "provisions in node group '" + group + "': " + after + " (expected: at most "
                    + MAX_PER_GROUP + ")");
        }
        store.putProvisions(provisions);
        log.info("{} provision(s) created in node group '{}': {}", provisions.size(), group, guids(provisions));
        return HttpOut.json(201, new Result("CREATED"));
    }

    private HttpOut update(ApiCall call, String group) {
        List<Provision> provisions = ProvisionBody.read(call.in().body(), group);
        for (Provision p : provisions) {
            find(group, p.guid());
        }
        store.putProvisions(provisions);
        log.info("{} provision(s) updated in node group '{}': {}", provisions.size(), group, guids(provisions));
        return HttpOut.json(200, new Result("UPDATED"));
    }

    private HttpOut delete(String group, Provision p) {
        store.removeProvision(group, p.guid());
        log.info("provision '{}' deleted in node group '{}'", p.guid(), group);
        return new HttpOut(204);
    }

    /**
     * Where to publish the provisioned stream, as Get Server for Publish answers. Capabilities: the query's, else the
     * provision's, else implied (renditions with video parameters are for a transcoder).
     */
    private HttpOut distribute(ApiCall call, String group, Provision p) {
        SelectionRequest asked = SelectionParams.read(call::param, group, p.guid(), false, true);
        SelectionRequest req = new SelectionRequest(group, p.guid(), asked.subGroups(), asked.strict(),
                asked.endpoints(), capabilities(call, p).contains("TRANSCODE")
                || Params.bool("transcode", call.param("transcode"), false));
        List<StreamEndpoint> body = new ArrayList<>();
        for (Node n : cluster.selectPublish(req)) {
            body.add(StreamEndpoint.of(p.guid(), n, 0));
        }
        return HttpOut.json(200, body);
    }

    private static Set<String> capabilities(ApiCall call, Provision p) {
        List<String> asked = Params.list(call.param("capabilities"));
        if (!asked.isEmpty()) {
            return Set.copyOf(asked.stream().map(c -> c.toUpperCase(Locale.ROOT)).toList());
        }
        JsonNode stored = body(p);
        if (stored.has("capabilities")) {
            List<String> caps = new ArrayList<>();
            stored.get("capabilities").forEach(c -> caps.add(c.asText()));
            return Set.copyOf(caps);
        }
        for (JsonNode s : stored.path("streams")) {
            if (s.has("videoParams")) {
                return Set.of("PUBLISH", "TRANSCODE");
            }
        }
        return Set.of("PUBLISH");
    }

    private Provision find(String group, String guid) {
        return cluster.provisions().find(group, guid).orElseThrow(() -> new ApiException(404,
                "provision '" + guid + "' not found in node group '" + group + "'"));
    }

    private static List<JsonNode> bodies(List<Provision> provisions) {
        List<JsonNode> list = new ArrayList<>(provisions.size());
        for (Provision p : provisions) {
            list.add(body(p));
        }
        return list;
    }

    private static JsonNode body(Provision p) {
        try {
            return Json.MAPPER.readTree(p.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored provision '" + p.guid() + "' is not JSON", e);
        }
    }

    private static List<String> guids(List<Provision> provisions) {
        return provisions.stream().map(Provision::guid).toList();
    }
}
