package org.smproxy.servlet;

import javax.servlet.http.HttpServletRequest;

import org.smproxy.http.HttpIn;

/** A servlet request, read by the core; the body is the one the adapter has already read without blocking. */
final class ServletIn implements HttpIn {
    private final HttpServletRequest req;
    private final byte[] body;

    ServletIn(HttpServletRequest req, byte[] body) {
        this.req = req;
        this.body = body;
    }

    @Override
    public String method() {
        return req.getMethod();
    }

    @Override
    public String path() {
        return req.getRequestURI();
    }

    @Override
    public String rawQuery() {
        return req.getQueryString();
    }

    @Override
    public String header(String name) {
        return req.getHeader(name);
    }

    @Override
    public String remoteAddress() {
        return req.getRemoteAddr();
    }

    @Override
    public int remotePort() {
        return req.getRemotePort();
    }

    @Override
    public boolean secure() {
        return req.isSecure();
    }

    @Override
    public byte[] body() {
        return body;
    }
}
