package org.smproxy.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.smproxy.http.ApiException;
import org.smproxy.http.ApiServlet;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.Json;
import org.smproxy.http.TokenCheck;
import org.smproxy.store.SessionInfo;
import org.smproxy.ws.SessionDirectory;

/**
 * The proxied WebSocket sessions of the whole tier, in each generation's admin shape (admin token required), each
 * with the replica that holds it (a field Red5 does not have; clients that do not know it ignore it):
 *
 * <pre>
 * SM 2.0  GET    /as/v1/admin/rtcproxy                          {"NodeKey|&lt;id&gt;":{"streamGuid","status","sessionId","timestamp"}}
 *         DELETE /as/v1/admin/rtcproxy/{sessionId|streamGuid}
 * SM 1.x  GET    /streammanager/api/4.0/admin/proxy/clients[?filter=any|healthy|unhealthy][&amp;count=true]
 *         GET    .../clients/{id}     DELETE .../clients/{id}     DELETE .../clients
 * </pre>
 */
public final class ProxySessionsServlet extends ApiServlet {
    private final SessionDirectory sessions;
    private final TokenCheck token;
    private final ErrorDialect dialect;

    public ProxySessionsServlet(SessionDirectory sessions, TokenCheck token, ErrorDialect dialect) {
        super(dialect);
        this.sessions = sessions;
        this.token = token;
        this.dialect = dialect;
    }

    /** SM 2.0's entry. */
    public record RtcProxyEntry(String streamGuid, String status, String sessionId, long timestamp, String replica) {
    }

    /** SM 1.x's entry. */
    public record ProxyClient(String id, String targetHost, int targetPort, String targetApp, boolean clientConnected,
                              boolean proxyConnected, String clientUserAgent, String clientAddress, boolean secureClient,
                              long creationTime, String replica) {
    }


    @Override
    protected void handle(Call call) throws IOException {
        token.require(call.req());
        if (dialect == ErrorDialect.SM2) {
            sm2(call);
        } else {
            sm1(call);
        }
    }

    private void sm2(Call call) throws IOException {
        String which = call.rest(0);
        if (which.isEmpty() && "GET".equals(call.method())) {
            Map<String, RtcProxyEntry> body = new LinkedHashMap<>();
            for (SessionInfo s : sessions.list()) {
                body.put("NodeKey|" + s.id(), new RtcProxyEntry(s.stream(), s.status(), s.id(), s.createdMillis(),
                        s.replica()));
            }
            Json.write(call.resp(), 200, body);
        } else if (!which.isEmpty() && "DELETE".equals(call.method())) {
            kick(which, "No matching sessionId or streamGuid found");
            call.resp().setStatus(200);
        } else {
            throw methodNotAllowed(call, which.isEmpty() ? "GET" : "DELETE");
        }
    }

    private void sm1(Call call) throws IOException {
        if (!"clients".equals(call.segment(0)) || call.path().size() > 2) {
            throw notFound(call);
        }
        String id = call.segment(1);
        if (id == null || id.isEmpty()) {
            if ("DELETE".equals(call.method())) {
                sessions.kickAll("closed by the administrator");
                call.resp().setStatus(200);
                return;
            }
            requireGet(call);
            List<ProxyClient> body = new ArrayList<>();
            String filter = call.req().getParameter("filter");
            for (SessionInfo s : sessions.list()) {
                if (filter == null || "any".equals(filter) || ("healthy".equals(filter) == s.healthy())
                        && ("healthy".equals(filter) || "unhealthy".equals(filter))) {
                    body.add(sm1Entry(s));
                }
            }
            if (filter != null && !List.of("any", "healthy", "unhealthy").contains(filter)) {
                throw new ApiException(400, "'filter' must be any, healthy or unhealthy, not '" + filter + "'");
            }
            boolean count = "true".equals(call.req().getParameter("count"));
            Json.write(call.resp(), 200, count ? Map.of("count", body.size(), "timestamp", System.currentTimeMillis()) : body);
        } else if ("DELETE".equals(call.method())) {
            kick(id, "proxy client '" + id + "' not found");
            call.resp().setStatus(200);
        } else {
            requireGet(call);
            SessionInfo s = sessions.get(id).orElseThrow(() -> new ApiException(404, "proxy client '" + id + "' not found"));
            Json.write(call.resp(), 200, sm1Entry(s));
        }
    }

    private void kick(String idOrGuid, String notFound) {
        if (sessions.kick(idOrGuid, 1000, "closed by the administrator") == 0) {
            throw new ApiException(404, notFound);
        }
    }

    private static ProxyClient sm1Entry(SessionInfo s) {
        return new ProxyClient(s.id(), s.targetHost(), s.targetPort(), s.app(), s.clientConnected(), s.proxyConnected(),
                s.userAgent(), s.clientAddress(), s.secure(), s.createdMillis(), s.replica());
    }

    private static void requireGet(Call call) {
        if (!"GET".equals(call.method())) {
            throw methodNotAllowed(call, "GET, DELETE");
        }
    }
}
