package org.smproxy.cluster;

import java.util.List;

/**
 * A provision of a node group, as Red5's explicit provisioning makes one: a stream and the renditions a transcoder
 * makes of it. Selection needs its names only; the rest belongs to the provision API, which gives it back as stored.
 *
 * @param guid        the provisionGuid, e.g. {@code live/test}
 * @param streamGuids its streams' guids, e.g. {@code live/test_1} to {@code live/test_3}
 * @param json        the provision as the API stored it
 */
public record Provision(String nodeGroup, String guid, List<String> streamGuids, String json) {

    public Provision {
        streamGuids = streamGuids == null ? List.of() : List.copyOf(streamGuids);
    }

    /** Red5 transcodes a published stream when a provision names it: as its provisionGuid or one of its streams. */
    public boolean covers(String streamGuid) {
        return guid.equals(streamGuid) || streamGuids.contains(streamGuid);
    }
}
