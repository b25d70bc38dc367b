package org.smproxy.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiException;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
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
public final class ProxySessionsApi extends ApiHandler {
    private final SessionDirectory sessions;
    private final TokenCheck token;
    private final ErrorDialect dialect;

    public ProxySessionsApi(SessionDirectory sessions, TokenCheck token, ErrorDialect dialect) {
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
    protected HttpOut handle(ApiCall call) {
        token.require(call);
        return dialect == ErrorDialect.SM2 ? sm2(call) : sm1(call);
    }

    private HttpOut sm2(ApiCall call) {
        String which = call.rest(0);
        if (which.isEmpty() && "GET".equals(call.method())) {
            Map<String, RtcProxyEntry> body = new LinkedHashMap<>();
            for (SessionInfo s : sessions.list()) {
                body.put("NodeKey|" + s.id(), new RtcProxyEntry(s.stream(), s.status(), s.id(), s.createdMillis(),
                        s.replica()));
            }
            return HttpOut.json(200, body);
        } else if (!which.isEmpty() && "DELETE".equals(call.method())) {
            kick(which, "No matching sessionId or streamGuid found");
            return new HttpOut(200);
        }
        throw call.methodNotAllowed(which.isEmpty() ? "GET" : "DELETE");
    }

    private HttpOut sm1(ApiCall call) {
        if (!"clients".equals(call.segment(0)) || call.path().size() > 2) {
            throw call.notFound();
        }
        String id = call.segment(1);
        if (id == null || id.isEmpty()) {
            if ("DELETE".equals(call.method())) {
                sessions.kickAll("closed by the administrator");
                return new HttpOut(200);
            }
            call.allow("GET, DELETE");
            List<ProxyClient> body = new ArrayList<>();
            String filter = call.param("filter");
            for (SessionInfo s : sessions.list()) {
                if (filter == null || "any".equals(filter) || ("healthy".equals(filter) == s.healthy())
                        && ("healthy".equals(filter) || "unhealthy".equals(filter))) {
                    body.add(sm1Entry(s));
                }
            }
            if (filter != null && !List.of("any", "healthy", "unhealthy").contains(filter)) {
                throw new ApiException(400, "'filter' must be any, healthy or unhealthy, not '" + filter + "'");
            }
            boolean count = "true".equals(call.param("count"));
            return HttpOut.json(200, count ? Map.of("count", body.size(), "timestamp", System.currentTimeMillis()) : body);
        } else if ("DELETE".equals(call.method())) {
            kick(id, "proxy client '" + id + "' not found");
            return new HttpOut(200);
        } else {
            call.allow("GET, DELETE");
            SessionInfo s = sessions.get(id).orElseThrow(() -> new ApiException(404, "proxy client '" + id + "' not found"));
            return HttpOut.json(200, sm1Entry(s));
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

}
