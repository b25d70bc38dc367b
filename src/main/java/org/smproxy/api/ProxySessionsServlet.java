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
import org.smproxy.ws.ProxySession;
import org.smproxy.ws.SessionRegistry;

/**
 * The proxied WebSocket sessions, in each generation's admin shape (admin token required):
 *
 * <pre>
 * SM 2.0  GET    /as/v1/admin/rtcproxy                          {"NodeKey|&lt;id&gt;":{"streamGuid","status","sessionId","timestamp"}}
 *         DELETE /as/v1/admin/rtcproxy/{sessionId|streamGuid}
 * SM 1.x  GET    /streammanager/api/4.0/admin/proxy/clients[?filter=any|healthy|unhealthy][&amp;count=true]
 *         GET    .../clients/{id}     DELETE .../clients/{id}     DELETE .../clients
 * </pre>
 */
public final class ProxySessionsServlet extends ApiServlet {
    private final SessionRegistry sessions;
    private final TokenCheck token;
    private final ErrorDialect dialect;

    public ProxySessionsServlet(SessionRegistry sessions, TokenCheck token, ErrorDialect dialect) {
        super(dialect);
        this.sessions = sessions;
        this.token = token;
        this.dialect = dialect;
    }

    /** SM 2.0's entry. */
    public record RtcProxyEntry(String streamGuid, String status, String sessionId, long timestamp) {
    }

    /** SM 1.x's entry. */
    public record ProxyClient(String id, String targetHost, int targetPort, String targetApp, boolean clientConnected,
                              boolean proxyConnected, String clientUserAgent, String clientAddress, boolean secureClient,
                              long creationTime) {
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
            for (ProxySession s : sessions.list()) {
                body.put("NodeKey|" + s.id(), new RtcProxyEntry(s.target().label(), status(s), s.id(), s.createdMillis()));
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
                sessions.closeAll("closed by the administrator");
                call.resp().setStatus(200);
                return;
            }
            requireGet(call);
            List<ProxyClient> body = new ArrayList<>();
            String filter = call.req().getParameter("filter");
            for (ProxySession s : sessions.list()) {
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
            ProxySession s = sessions.get(id).orElseThrow(() -> new ApiException(404, "proxy client '" + id + "' not found"));
            Json.write(call.resp(), 200, sm1Entry(s));
        }
    }

    private void kick(String idOrGuid, String notFound) {
        List<ProxySession> found = sessions.find(idOrGuid);
        if (found.isEmpty()) {
            throw new ApiException(404, notFound);
        }
        found.forEach(s -> s.kick(1000, "closed by the administrator"));
    }

    private static ProxyClient sm1Entry(ProxySession s) {
        return new ProxyClient(s.id(), s.target().upstream().getHost(), s.target().upstreamPort(), s.target().app(),
                s.clientConnected(), s.proxyConnected(), s.target().userAgent(), s.target().clientAddress(),
                s.target().secure(), s.createdMillis());
    }

    private static String status(ProxySession s) {
        if (!s.healthy()) {
            return "UNHEALTHY";
        }
        return s.proxyConnected() ? "CONNECTED" : "CONNECTING";
    }

    private static void requireGet(Call call) {
        if (!"GET".equals(call.method())) {
            throw methodNotAllowed(call, "GET, DELETE");
        }
    }
}
