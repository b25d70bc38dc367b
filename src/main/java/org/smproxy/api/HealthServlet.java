package org.smproxy.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.http.ApiServlet;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Json;

/** Liveness for load balancers, open to all: {@code GET /as/v1/health}. Says nothing a client could misuse. */
public final class HealthServlet extends ApiServlet {
    private final ClusterModel cluster;

    public HealthServlet(ClusterModel cluster) {
        super(ErrorDialect.SM2);
        this.cluster = cluster;
    }

    /** Per node group: what can be served right now. */
    public record GroupHealth(long inServiceNodes, long streams, long publishers, long subscribers) {
    }

    public record Health(String status, Map<String, GroupHealth> nodeGroups) {
    }


    @Override
    protected void handle(Call call) throws IOException {
        if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
            throw methodNotAllowed(call, "GET, HEAD");
        }
        Map<String, GroupHealth> groups = new LinkedHashMap<>();
        cluster.groupTotals().forEach((name, t) -> groups.put(name, new GroupHealth(t[0], t[1], t[2], t[3])));
        Json.write(call.resp(), 200, new Health("UP", groups));
    }
}
