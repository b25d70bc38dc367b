package org.smproxy.servlet;

import javax.servlet.AsyncContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.Endpoint;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeLeg;

/**
 * Any of the proxy's endpoints (an API, the WHIP/WHEP relay) in a servlet container (Red5's Tomcat 8.5, the
 * standalone Tomcat): reads the body without blocking, hands the request to the endpoint, writes its answer
 * without blocking. No thread waits on a client or a node.
 */
public final class EndpointServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(EndpointServlet.class);

    private final Endpoint endpoint;
    private final NodeLeg nodes;

    public EndpointServlet(Endpoint endpoint, NodeLeg nodes) {
        this.endpoint = endpoint;
        this.nodes = nodes;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        // One timeout owner: a relayed request carries its node deadline, the container's async timeout is off.
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        String within = req.getPathInfo();
        String path = req.getContextPath() + req.getServletPath() + (within == null ? "" : within);
        AsyncIo.readBody(req, endpoint.maxBodyBytes())
                .thenCompose(body -> endpoint.serve(new ServletIn(req, body), path, within, nodes))
                // Inline, on the node leg's thread: writing only hands the answer to a non-blocking writer, and a
                // hop to a pool would cost a thread wake-up per request.
                .whenComplete((answer, unreadable) -> {
                    try {
                        write(async, req, resp, answer != null ? answer
                                : endpoint.refuse(new ServletIn(req, new byte[0]), unreadable));
                    } catch (RuntimeException e) {
                        log.error("{} {}: writing the answer failed", req.getMethod(), req.getRequestURI(), e);
                        async.complete();
                    }
                });
    }

    private static void write(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, HttpOut answer) {
        if (resp.isCommitted()) {
            async.complete();
            return;
        }
        resp.setStatus(answer.status());
        answer.forEachHeader(resp::addHeader);
        if (answer.status() != 204 && answer.status() != 304) { // no body, and no length that would claim one
            resp.setContentLength(answer.body().length);
        }
        // Tomcat drops a HEAD answer's body itself; not writing it saves the copy.
        AsyncIo.writeAndComplete(async, "HEAD".equals(req.getMethod()) ? new byte[0] : answer.body());
    }
}
