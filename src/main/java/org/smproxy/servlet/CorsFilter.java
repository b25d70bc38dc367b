package org.smproxy.servlet;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.smproxy.http.Cors;
import org.smproxy.http.HttpOut;

/** {@link Cors} in front of every servlet of a context. */
public final class CorsFilter implements Filter {
    private final Cors cors;

    public CorsFilter(List<String> allowedOrigins) {
        this.cors = new Cors(allowedOrigins);
    }

    @Override
    public void init(FilterConfig filterConfig) {
    }

    @Override
    public void destroy() {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        Cors.Verdict verdict = cors.check(req.getMethod(), req::getHeader, System.currentTimeMillis());
        for (Map.Entry<String, String> h : verdict.headers()) {
            resp.addHeader(h.getKey(), h.getValue());
        }
        if (verdict.answer() == null) {
            chain.doFilter(request, response);
            return;
        }
        HttpOut answer = verdict.answer();
        resp.setStatus(answer.status());
        answer.forEachHeader(resp::addHeader);
        resp.setContentLength(answer.body().length);
        resp.getOutputStream().write(answer.body());
    }
}
