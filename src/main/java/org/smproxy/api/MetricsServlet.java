package org.smproxy.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.smproxy.cluster.ClusterModel;
import org.smproxy.http.ApiServlet;
import org.smproxy.http.ErrorDialect;

/** Prometheus scrape endpoint, {@code GET /as/v1/metrics}. */
public final class MetricsServlet extends ApiServlet {
    private final PrometheusMeterRegistry registry;
    private final ClusterModel cluster;

    public MetricsServlet(PrometheusMeterRegistry registry, ClusterModel cluster) {
        super(ErrorDialect.SM2);
        this.registry = registry;
        this.cluster = cluster;
    }


    @Override
    protected void handle(Call call) throws IOException {
        if (!"GET".equals(call.method())) {
            throw methodNotAllowed(call, "GET");
        }
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        call.resp().setStatus(200);
        call.resp().setContentType("text/plain; version=0.0.4; charset=utf-8");
        call.resp().setContentLength(body.length);
        call.resp().getOutputStream().write(body);
    }
}
