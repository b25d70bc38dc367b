package org.smproxy.http;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Base of the JSON APIs: splits the path, hands one {@link Call} to the subclass, and turns every failure into a
 * status and a JSON body in the API family's dialect. Blocking is fine here: these APIs only read the in-memory
 * model, they never wait on a node.
 */
public abstract class ApiServlet extends HttpServlet {
    private final ErrorDialect dialect;

    protected ApiServlet(ErrorDialect dialect) {
        this.dialect = dialect;
    }

    /** One request: method, path segments below the servlet's mapping, and the two ends. */
    public record Call(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp) {
        public String segment(int i) {
            return i < path.size() ? path.get(i) : null;
        }

        /** The rest of the path from segment {@code from}, joined with '/', e.g. a multi-segment streamGuid. */
        public String rest(int from) {
            return from >= path.size() ? "" : String.join("/", path.subList(from, path.size()));
        }
    }

    protected abstract void handle(Call call) throws IOException;

    /** The time put into error bodies. */
    protected long nowMillis() {
        return System.currentTimeMillis();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String info = req.getPathInfo();
        List<String> path = info == null || info.equals("/") ? List.of()
                : Arrays.asList(info.substring(1).split("/", -1));
        try {
            handle(new Call(req.getMethod(), path, req, resp));
        } catch (Exception | Error e) {
            Errors.write(resp, dialect, e, nowMillis());
        }
    }

    protected static ApiException notFound(Call call) {
        return new ApiException(404, "no such resource: " + call.req().getMethod() + " " + call.req().getRequestURI());
    }

    protected static ApiException methodNotAllowed(Call call, String allowed) {
        call.resp().setHeader("Allow", allowed);
        return new ApiException(405, "method " + call.method() + " is not allowed here (allowed: " + allowed + ")");
    }
}
