package org.smproxy.sim;

import java.io.IOException;

/** A WHIP/WHEP step got another status than the protocol requires; tests assert on {@link #status()}. */
public final class SimHttpException extends IOException {

    private final int status;
    private final String body;

    public SimHttpException(String step, int status, String body) {
        super(step + " returned " + status + ": " + body);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
