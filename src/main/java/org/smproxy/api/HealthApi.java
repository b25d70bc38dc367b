package org.smproxy.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.http.Admission;
import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.Json;
import org.smproxy.store.ClusterStore;
import org.smproxy.store.StoreHealth;

/**
 * For load balancers, open to all; says nothing a client could misuse.
 *
 * <ul>
 * <li>{@code GET /as/v1/health}: liveness. Always 200 while the process serves; {@code status} is {@code DEGRADED}
 * while the replica's view is not the tier's (the shared store is out of reach).</li>
 * <li>{@code GET /as/v1/ready}: 200 when this replica serves with a fresh view of the cluster, 503 while it has not
 * synced yet or has lost the shared store. A load balancer that routes by it keeps new traffic on the replicas
 * whose view is current; also 503 while the replica drains on its way down.</li>
 * </ul>
 */
public final class HealthApi extends ApiHandler {
    private final ClusterModel cluster;
    private final ClusterStore store;
    private final boolean readiness;
    private final Admission admission;

    public HealthApi(ClusterModel cluster, ClusterStore store, Admission admission, boolean readiness) {
        super(ErrorDialect.SM2);
        this.admission = admission;
        this.cluster = cluster;
        this.store = store;
        this.readiness = readiness;
    }

    /** Per node group: what can be served right now. */
    public record GroupHealth(long inServiceNodes, long streams, long publishers, long subscribers) {
    }

    /** The shared view: {@code state} is CONNECTING, SYNCED or DEGRADED, since {@code since} (epoch millis). */
    public record StoreStatus(String kind, String state, long since, String replica, String detail) {
    }

    public record Health(String status, StoreStatus store, Map<String, GroupHealth> nodeGroups) {
    }

    public record Readiness(boolean ready, String reason, StoreStatus store) {
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET, HEAD");
        StoreHealth h = store.health();
        StoreStatus status = new StoreStatus(h.kind(), h.state().name(), h.sinceMillis(), h.replica(), h.detail());
        if (readiness) {
            if (admission.draining()) {
                return HttpOut.json(503, new Readiness(false, "shutting down: draining, no new sessions", status));
            }
            String reason = switch (h.state()) {
                case SYNCED -> "serving with the tier's view of the cluster";
                case CONNECTING -> "not synced with the cluster store yet: " + h.detail();
                case DEGRADED -> "the cluster store is out of reach, serving from the last view: " + h.detail();
            };
            return HttpOut.json(h.ready() ? 200 : 503, new Readiness(h.ready(), reason, status));
        }
        Map<String, GroupHealth> groups = new LinkedHashMap<>();
        cluster.groupTotals().forEach((name, t) -> groups.put(name, new GroupHealth(t[0], t[1], t[2], t[3])));
        return HttpOut.json(200, new Health(h.ready() ? "UP" : "DEGRADED", status, groups));
    }
}
