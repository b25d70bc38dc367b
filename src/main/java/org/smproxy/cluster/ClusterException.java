package org.smproxy.cluster;

/**
 * Why the cluster model could not answer. Each failure is its own type so the HTTP edge maps it to a status in one
 * place; messages are written for the client and never carry secrets.
 */
public abstract class ClusterException extends RuntimeException {

    protected ClusterException(String message) {
        super(message);
    }

    /** The request itself is malformed (bad endpoints count, bad report): retrying it unchanged cannot help. */
    public static final class InvalidRequest extends ClusterException {
        public InvalidRequest(String message) {
            super(message);
        }
    }

    public static final class UnknownNodeGroup extends ClusterException {
        public UnknownNodeGroup(String message) {
            super(message);
        }
    }

    public static final class UnknownNode extends ClusterException {
        public UnknownNode(String message) {
            super(message);
        }
    }

    public static final class StreamNotFound extends ClusterException {
        public StreamNotFound(String message) {
            super(message);
        }
    }

    public static final class StreamAlreadyPublished extends ClusterException {
        public StreamAlreadyPublished(String message) {
            super(message);
        }
    }

    /** Transcoding was asked for a stream that no provision of the group names: Red5 answers 404. */
    public static final class NotProvisioned extends ClusterException {
        public NotProvisioned(String message) {
            super(message);
        }
    }

    /** The node is known but not in a state to take this client: new sessions need INSERVICE. */
    public static final class NodeNotInService extends ClusterException {
        public NodeNotInService(String message) {
            super(message);
        }
    }

    /** Another live node already answers to that address; two nodes must never share a client-facing name. */
    public static final class AddressConflict extends ClusterException {
        public AddressConflict(String message) {
            super(message);
        }
    }

    /**
     * No node qualifies. {@code atCapacity} tells "nodes exist but are full" (try again later) from "no node has that
     * role, region or stream" (Red5's 404).
     */
    public static final class NoNodeAvailable extends ClusterException {
        private final boolean atCapacity;

        public NoNodeAvailable(String message, boolean atCapacity) {
            super(message);
            this.atCapacity = atCapacity;
        }

        public boolean atCapacity() {
            return atCapacity;
        }
    }

    /** The group's maxPublishers or maxSubscribers is reached: Red5 answers 503. */
    public static final class GroupLimitReached extends ClusterException {
        public GroupLimitReached(String message) {
            super(message);
        }
    }

    /**
     * The tier's shared store is out of reach, so a change that every replica must see (an operator's drain) was not
     * made; retrying once it is back helps.
     */
    public static final class SharedStateUnavailable extends ClusterException {
        public SharedStateUnavailable(String message) {
            super(message);
        }
    }
}
