package org.smproxy.red5;

import java.io.IOException;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.smproxy.http.ErrorDialect;
import org.smproxy.servlet.Errors;

/** Stands in for the proxy when its configuration is wrong, so clients see why instead of a bare 404. */
final class ConfigErrorServlet extends HttpServlet {
    private final String message;

    ConfigErrorServlet(String reason) {
        this.message = "streammanager-proxy is not running: configuration error: " + reason;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Errors.json(resp, 503, ErrorDialect.SM2.body(message, System.currentTimeMillis()));
    }
}
