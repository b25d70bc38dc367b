package org.smproxy.sim;

/** libwebrtc rejected a description or a negotiation step did not finish in time. */
public final class SdpException extends Exception {

    public SdpException(String message) {
        super(message);
    }
}
