package org.smproxy.http;

import java.util.concurrent.CompletableFuture;

/**
 * Base of the JSON APIs, on any server: hands one {@link ApiCall} to the subclass and turns every failure into a
 * status and a JSON body in the API family's dialect. Answers at once: these APIs read the in-memory model and
 * write through a store that never blocks on the network, so running them on an I/O thread is safe.
 */
public abstract class ApiHandler implements Endpoint {
    private final ErrorDialect dialect;

    protected ApiHandler(ErrorDialect dialect) {
        this.dialect = dialect;
    }

    protected abstract HttpOut handle(ApiCall call);

    /** Most APIs take no body, and a stray small one is ignored, not an error; those that do take one say how much. */
    @Override
    public int maxBodyBytes() {
        return 4096;
    }

    /** The time put into error bodies. */
    protected long nowMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public final CompletableFuture<HttpOut> serve(HttpIn in, String path, String within, NodeLeg leg) {
        return CompletableFuture.completedFuture(answer(in, within));
    }

    /** As {@link #serve}, for callers that want the answer itself. */
    public final HttpOut answer(HttpIn in, String within) {
        try {
            return handle(ApiCall.of(in, within));
        } catch (Exception | Error e) {
            return refuse(in, e);
        }
    }

    @Override
    public HttpOut refuse(HttpIn in, Throwable failure) {
        return HttpOut.error(Failures.toApi(failure), dialect, nowMillis());
    }
}
