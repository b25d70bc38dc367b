package org.smproxy.cluster;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Node roles with the capabilities Red5 gives them; a relay only forwards between origins and edges. */
public enum Role {
    ORIGIN(EnumSet.of(Capability.PUBLISH)),
    EDGE(EnumSet.of(Capability.SUBSCRIBE)),
    RELAY(EnumSet.noneOf(Capability.class)),
    TRANSCODER(EnumSet.of(Capability.TRANSCODE)),
    ALLINONE(EnumSet.of(Capability.PUBLISH, Capability.SUBSCRIBE, Capability.TRANSCODE));

    private final Set<Capability> capabilities;

    Role(Set<Capability> capabilities) {
        this.capabilities = capabilities;
    }

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    /** Whether a publisher may be sent here: a transcoder takes the stream it makes the renditions of. */
    public boolean takesPublishers() {
        return can(Capability.PUBLISH) || can(Capability.TRANSCODE);
    }

    public Set<Capability> capabilities() {
        return capabilities;
    }

    /** The lower-case name Red5 uses on the wire ({@code "nodeRole":"edge"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role parse(String name) {
        if (name != null) {
            for (Role role : values()) {
                if (role.name().equalsIgnoreCase(name.trim())) {
                    return role;
                }
            }
        }
        throw new IllegalArgumentException("role: " + name + " (expected: origin, edge, relay, transcoder or allinone)");
    }
}
