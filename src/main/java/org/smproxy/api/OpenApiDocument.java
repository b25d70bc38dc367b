package org.smproxy.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

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
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET, HEAD");
        return new HttpOut(200).header("Content-Type", "application/json").header("Cache-Control", "max-age=300")
                .body(document);
    }
}
