package org.smproxy.sim;

/** Why a node refused a WHIP/WHEP request; the HTTP edge maps each reason to Red5's status code. */
final class NodeException extends Exception {

    enum Reason {
        UNKNOWN_SCOPE,
        UNAUTHORIZED,
        ROLE_REJECTED,
        BAD_OFFER,
        BAD_ANSWER,
        BAD_CANDIDATE,
        ALREADY_PUBLISHING,
        NOT_AVAILABLE,
        DOUBLE_POST,
        NO_SESSION,
        UNSUPPORTED_MEDIA_TYPE,
        CREATION_FAILED
    }

    private final Reason reason;

    NodeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
