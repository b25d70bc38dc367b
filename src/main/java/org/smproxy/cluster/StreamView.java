package org.smproxy.cluster;

import java.util.List;

/** One stream as the APIs show it: every node that publishes or carries it. */
public record StreamView(String streamGuid, String nodeGroup, long startedMillis, List<Location> locations) {

    public record Location(Node node, boolean publishing, int subscribers) {
    }

    public int subscribers() {
        return locations.stream().mapToInt(Location::subscribers).sum();
    }
}
