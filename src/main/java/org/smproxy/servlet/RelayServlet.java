package org.smproxy.servlet;

import java.util.function.Supplier;

import javax.servlet.AsyncContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.http.AsyncIo;
import org.smproxy.http.HttpOut;
import org.smproxy.http.NodeLeg;
import org.smproxy.whip.RelayPath;
import org.smproxy.whip.WhipWhepRelay;

/**
 * The WHIP/WHEP relay in a servlet container (Red5's Tomcat 8.5, the standalone Tomcat): reads the body without
 * blocking, hands the request to {@link WhipWhepRelay}, writes its answer without blocking. No thread waits on a
 * client or a node.
 */
public final class RelayServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(RelayServlet.class);

    private final RelayPath.Shape shape;
    private final WhipWhepRelay relay;
    private final NodeLeg nodes;

    public RelayServlet(RelayPath.Shape shape, WhipWhepRelay relay, NodeLeg nodes) {
        this.shape = shape;
        this.relay = relay;
        this.nodes = nodes;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        // One timeout owner: the node request carries the deadline, the container's async timeout is off.
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        AsyncIo.readBody(req, relay.maxBodyBytes())
                .thenCompose(body -> relay.relay(new ServletIn(req, body), path(req), nodes))
                // Inline, on the node leg's thread: writing only hands the answer to a non-blocking writer, and a
                // hop to a pool would cost a thread wake-up per request.
                .whenComplete((answer, unreadable) -> {
                    try {
                        write(async, resp, answer != null ? answer
                                : relay.refuse(new ServletIn(req, new byte[0]), unreadable));
                    } catch (RuntimeException e) {
                        log.error("{} {}: writing the answer failed", req.getMethod(), req.getRequestURI(), e);
                        async.complete();
                    }
                });
    }

    private Supplier<RelayPath> path(HttpServletRequest req) {
        return () -> {
            String pathInfo = req.getPathInfo() == null ? "" : req.getPathInfo();
            if (shape == RelayPath.Shape.SM2) {
                return RelayPath.sm2(pathInfo.startsWith("/") ? pathInfo.substring(1) : pathInfo);
            }
            String full = req.getContextPath() + req.getServletPath() + pathInfo;
            return RelayPath.sm1(full.startsWith("/") ? full.substring(1) : full);
        };
    }

    private static void write(AsyncContext async, HttpServletResponse resp, HttpOut answer) {
        if (resp.isCommitted()) {
            async.complete();
            return;
        }
        resp.setStatus(answer.status());
        answer.forEachHeader(resp::addHeader);
        resp.setContentLength(answer.body().length);
        AsyncIo.writeAndComplete(async, answer.body());
    }
}
