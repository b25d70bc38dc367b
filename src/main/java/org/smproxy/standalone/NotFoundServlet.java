package org.smproxy.standalone;

import java.io.IOException;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.smproxy.http.ApiException;
import org.smproxy.http.ErrorDialect;
import org.smproxy.servlet.Errors;

/** Unknown paths get the same JSON error body as everything else. */
final class NotFoundServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Errors.write(resp, ErrorDialect.SM2, new ApiException(404, "no such resource: " + req.getMethod() + " "
                + req.getRequestURI()), System.currentTimeMillis());
    }
}
