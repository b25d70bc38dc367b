package org.smproxy.cluster;

/** Red5's scaling states. Only INSERVICE nodes are ever chosen; SOFT_SUNSET is how an operator drains one. */
public enum NodeState {
    REQUESTED, CREATING, CREATED, STARTED, INSERVICE, SOFT_SUNSET, HARD_SUNSET, DESTRUCTION_REQUESTED, DESTROYING, FAULT;

    public static NodeState parse(String name) {
        if (name != null) {
            for (NodeState state : values()) {
                if (state.name().equalsIgnoreCase(name.trim())) {
                    return state;
                }
            }
        }
        throw new IllegalArgumentException("state: " + name + " (expected one of " + java.util.Arrays.toString(values()) + ")");
    }
}
