package org.smproxy.api;

import java.nio.charset.StandardCharsets;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;

/** Prometheus scrape endpoint, {@code GET /as/v1/metrics}. */
public final class MetricsApi extends ApiHandler {
    private final PrometheusMeterRegistry registry;

    public MetricsApi(PrometheusMeterRegistry registry) {
        super(ErrorDialect.SM2);
        this.registry = registry;
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET");
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        return new HttpOut(200).header("Content-Type", "text/plain; version=0.0.4; charset=utf-8").body(body);
    }
}
