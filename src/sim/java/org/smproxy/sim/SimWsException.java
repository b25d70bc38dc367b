package org.smproxy.sim;

import java.io.IOException;

/** A signalling step was refused: an error frame, {@code isAvailable} against us, a closed socket, a failed upgrade. */
public final class SimWsException extends IOException {

    private final String code;

    public SimWsException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    /** Red5's status code, e.g. {@code NetStream.Play.StreamNotFound}, or {@code handshake} for a refused upgrade. */
    public String code() {
        return code;
    }
}
