package org.smproxy.cluster;

/** What a node role can do, as Red5's NodeRole capabilities name it. */
public enum Capability {
    PUBLISH, SUBSCRIBE, TRANSCODE
}
