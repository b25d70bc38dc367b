package org.smproxy.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Role;
import org.smproxy.config.Networks;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.http.NodeTokens;
import org.smproxy.http.RateLimiter;
import org.smproxy.http.TokenCheck;
import org.smproxy.store.ClusterStore;

/**
 * Node API: nodes (or an agent beside each) report state, load and streams every few seconds; a node that stops
 * reporting is dropped after the heartbeat timeout. Needs the node secret, or a node token (its own node only).
 *
 * <pre>
 * POST   .../nodes/heartbeat   {"id":..,"nodeGroup":..,"role":"edge","subGroup":..,"publicAddress":..,"httpPort":5080,
 *                                "state":"INSERVICE","metrics":{"connections.client":3},"streams":[{"streamGuid":..}]}
 * DELETE .../nodes/{id}        the node leaves now instead of timing out
 * </pre>
 */
public final class HeartbeatApi extends ApiHandler {
    /** A node carrying thousands of streams still fits; anything larger is not a heartbeat. */
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private final ClusterModel cluster;
    private final ClusterStore store;
    private final TokenCheck secret;
    private final Duration interval;
    private final Duration timeout;
    private final Networks networks;
    private final RateLimiter limiter;
    private final NodeTokens tokens;
    private final ProxyConfig.NodeAuth auth;

    public HeartbeatApi(ClusterModel cluster, ClusterStore store, TokenCheck secret, NodeTokens tokens,
                        ProxyConfig.NodeAuth auth, Duration interval, Duration timeout, Networks networks,
                        RateLimiter limiter, ErrorDialect dialect) {
        super(dialect);
        this.tokens = tokens;
        this.auth = auth;
        this.networks = networks;
        this.limiter = limiter;
        this.cluster = cluster;
        this.store = store;
        this.secret = secret;
        this.interval = interval;
        this.timeout = timeout;
    }

    /** The heartbeat body. */
    public record Heartbeat(String id, String nodeGroup, String role, String subGroup, String publicAddress,
                            String privateAddress, Integer httpPort, Integer httpsPort, Integer wsPort, String state,
                            Map<String, Double> metrics, List<StreamDto> streams) {
    }

    /** One stream in a heartbeat. */
    public record StreamDto(String streamGuid, Boolean publishing, Integer subscribers) {
    }

    /** What the node learns back: its effective state (an operator may be draining it) and the pace to keep. */
    public record Ack(String nodeId, String address, String state, long heartbeatIntervalMs, long heartbeatTimeoutMs) {
    }

    @Override
    public int maxBodyBytes() {
        return MAX_BODY;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        NodeTokens.Claims caller = secret.requireNode(call, tokens, auth);
        if (call.path().size() == 1 && "heartbeat".equals(call.segment(0))) {
            if (!"POST".equals(call.method()) && !"PUT".equals(call.method())) {
                throw call.methodNotAllowed("POST");
            }
            NodeReport report = toReport(call.body(Heartbeat.class));
            speaksFor(caller, report.id(), report.nodeGroup());
            limiter.take(RateLimiter.Kind.HEARTBEATS, "node '" + report.id() + "'");
            checkAddress("publicAddress", report.publicAddress());
            checkAddress("privateAddress", report.privateAddress());
            Node node = store.report(report);
            return HttpOut.json(200, new Ack(node.id(), node.address(), node.state().name(), interval.toMillis(),
                    timeout.toMillis()));
        } else if (call.path().size() == 1 && "DELETE".equals(call.method())) {
            String id = call.segment(0);
            speaksFor(caller, id, null);
            if (cluster.findById(id).isEmpty()) {
                throw new ApiException(404, "node '" + id + "' not found");
            }
            store.remove(id, "the node signed off");
            return new HttpOut(204);
        }
        throw call.notFound();
    }

    /** A node token speaks for its node (and group) only; the shared secret, for any. */
    private static void speaksFor(NodeTokens.Claims caller, String id, String group) {
        if (caller == null) {
            return;
        }
        if (!caller.nodeId().equals(id)) {
            throw new ApiException(403, "this node token speaks for node '" + caller.nodeId() + "', not '" + id + "'");
        }
        if (caller.nodeGroup() != null && group != null && !caller.nodeGroup().equals(group)) {
            throw new ApiException(403, "this node token is for node group '" + caller.nodeGroup() + "', not '"
                    + group + "'");
        }
    }

    /**
     * Where the proxy will connect for this node must be somewhere a node can be: the node secret is shared by a whole
     * cluster, and without this check whoever holds it could register the proxy's own loopback or the cloud's
     * metadata service as an edge and have the relay connect there. Names are resolved (through the JVM's cache) and
     * every address they give must pass; each heartbeat checks again, so a name that later points elsewhere stops
     * being accepted within one heartbeat interval and the node then times out.
     */
    private void checkAddress(String field, String address) {
        if (address == null || address.isBlank()) {
            return;
        }
        String host = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        InetAddress[] resolved;
        try {
            resolved = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ApiException(400, field + " '" + address + "' does not resolve to an address");
        }
        for (InetAddress a : resolved) {
            String refusal = networks.refusal(a);
            if (refusal != null) {
                String shown = a.getHostAddress().equals(host) ? "" : " (resolves to " + a.getHostAddress() + ")";
                throw new ApiException(403, field + " '" + address + "'" + shown + " is " + refusal
                        + ", where nodes may not be registered; api.node.allowedNetworks is '" + networks + "'");
            }
        }
    }

    static NodeReport toReport(Heartbeat h) {
        try {
            List<NodeReport.StreamReport> streams = new ArrayList<>();
            if (h.streams() != null) {
                for (StreamDto s : h.streams()) {
                    if (s == null || s.streamGuid() == null) {
                        throw new ApiException(400, "every entry of 'streams' needs a streamGuid");
                    }
                    streams.add(new NodeReport.StreamReport(s.streamGuid(), Boolean.TRUE.equals(s.publishing()),
                            s.subscribers() == null ? 0 : Math.max(0, s.subscribers())));
                }
            }
            if (h.role() == null || h.state() == null) {
                throw new ApiException(400, "'role' and 'state' are required");
            }
            return new NodeReport(h.id(), h.nodeGroup(), Role.parse(h.role()), h.subGroup(), h.publicAddress(),
                    h.privateAddress(), h.httpPort() == null ? 0 : h.httpPort(), h.httpsPort() == null ? 0 : h.httpsPort(),
                    h.wsPort() == null ? 0 : h.wsPort(), NodeState.parse(h.state()), h.metrics(), streams);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
    }
}
