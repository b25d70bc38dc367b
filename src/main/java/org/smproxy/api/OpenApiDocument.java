package org.smproxy.api;

import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;

/**
 * {@code GET /as/v1/openapi.json}: the OpenAPI 3.1 description of every API, as shipped in the jar. OpenApiTest sends
 * each operation's example to a running server and validates the answer against it, so it cannot drift.
 */
public final class OpenApiDocument extends ApiHandler {
    static final String RESOURCE = "/org/smproxy/api/openapi.json";
    private final byte[] document;

    public OpenApiDocument() {
        super(ErrorDialect.SM2);
        document = JarFiles.read(RESOURCE);
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET, HEAD");
        return new HttpOut(200).header("Content-Type", "application/json").header("Cache-Control", "max-age=300")
                .body(document);
    }
}
