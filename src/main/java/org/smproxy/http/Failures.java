package org.smproxy.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterException;

/**
 * The one map from failures to HTTP statuses, without a container: the servlet relay (through {@link Errors}) and
 * the Netty listener give the same failure the same status.
 */
public final class Failures {
    private static final Logger log = LoggerFactory.getLogger(Failures.class);
    /** A full node or group frees up as clients leave; a few seconds is the heartbeat's own pace. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private Failures() {
    }

    public static ApiException toApi(Throwable failure) {
        while (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure instanceof ApiException) {
            return (ApiException) failure;
        }
        if (failure instanceof ClusterException.InvalidRequest) {
            return new ApiException(400, failure.getMessage());
        }
        if (failure instanceof ClusterException.UnknownNodeGroup || failure instanceof ClusterException.UnknownNode
                || failure instanceof ClusterException.StreamNotFound
                || failure instanceof ClusterException.NotProvisioned) {
            return new ApiException(404, failure.getMessage());
        }
        if (failure instanceof ClusterException.StreamAlreadyPublished || failure instanceof ClusterException.AddressConflict
                || failure instanceof ClusterException.NodeNotInService) {
            return new ApiException(409, failure.getMessage());
        }
        if (failure instanceof ClusterException.GroupLimitReached
                || failure instanceof ClusterException.SharedStateUnavailable) {
            return new ApiException(503, failure.getMessage(), RETRY_AFTER_SECONDS);
        }
        if (failure instanceof ClusterException.NoNodeAvailable) {
            boolean full = ((ClusterException.NoNodeAvailable) failure).atCapacity();
            return full ? new ApiException(503, failure.getMessage(), RETRY_AFTER_SECONDS)
                    : new ApiException(404, failure.getMessage());
        }
        if (failure instanceof UpstreamException) {
            UpstreamException u = (UpstreamException) failure;
            return new ApiException(u.kind() == UpstreamException.Kind.TIMEOUT ? 504 : 502, u.getMessage());
        }
        log.error("unexpected failure", failure);
        return new ApiException(500, "internal error: " + failure.getClass().getSimpleName());
    }
}
