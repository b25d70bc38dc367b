package org.smproxy.sim;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of one simulated node. Fluent and mutable so a cluster can keep a template and {@link #copy()} it
 * per node; a node takes its own copy when it starts.
 */
public final class SimNodeConfig {

    private String id = "node-1";
    private NodeRole role = NodeRole.ALLINONE;
    private String nodeGroup = "default";
    private String subGroup = "default";
    /** Null binds every interface. */
    private String bindAddress;
    private String publicAddress = HostAddresses.defaultPublicAddress();
    /** Null means the same as the public address. */
    private String privateAddress;
    private int httpPort;
    private Set<String> apps = Set.of("live");
    private List<String> iceServerLinks = List.of();
    private URI proxyBase;
    private String nodeSecret;
    private long heartbeatIntervalMs = 2000;
    /** Null: HLS playlists are open. */
    private String hlsToken;
    private RoundTripAuth roundTripAuth;
    /** Recording storage cap, per node: past either, the oldest recordings are deleted. */
    private long vodMaxBytes = 512L * 1024 * 1024;
    private int vodMaxFiles = 2000;
    /** Where a transcoder reads provisions (and asks for an origin); null: it transcodes nothing. */
    private URI provisionBase;
    private String provisionToken;

    public static SimNodeConfig defaults() {
        return new SimNodeConfig();
    }

    public SimNodeConfig copy() {
        SimNodeConfig c = new SimNodeConfig();
        c.id = id;
        c.role = role;
        c.nodeGroup = nodeGroup;
        c.subGroup = subGroup;
        c.bindAddress = bindAddress;
        c.publicAddress = publicAddress;
        c.privateAddress = privateAddress;
        c.httpPort = httpPort;
        c.apps = apps;
        c.iceServerLinks = iceServerLinks;
        c.proxyBase = proxyBase;
        c.nodeSecret = nodeSecret;
        c.heartbeatIntervalMs = heartbeatIntervalMs;
        c.hlsToken = hlsToken;
        c.vodMaxBytes = vodMaxBytes;
        c.vodMaxFiles = vodMaxFiles;
        c.roundTripAuth = roundTripAuth;
        c.provisionBase = provisionBase;
        c.provisionToken = provisionToken;
        return c;
    }

    public SimNodeConfig id(String value) { id = Objects.requireNonNull(value, "id"); return this; }
    public SimNodeConfig role(NodeRole value) { role = Objects.requireNonNull(value, "role"); return this; }
    public SimNodeConfig nodeGroup(String value) { nodeGroup = Objects.requireNonNull(value, "nodeGroup"); return this; }
    public SimNodeConfig subGroup(String value) { subGroup = Objects.requireNonNull(value, "subGroup"); return this; }
    public SimNodeConfig bindAddress(String value) { bindAddress = value; return this; }
    public SimNodeConfig publicAddress(String value) { publicAddress = Objects.requireNonNull(value, "publicAddress"); return this; }
    public SimNodeConfig privateAddress(String value) { privateAddress = value; return this; }
    /** 0 picks a free port. */
    public SimNodeConfig httpPort(int value) { httpPort = value; return this; }
    /** Scopes whose first segment is not listed get Red5's 404 "scope resolver failed". */
    public SimNodeConfig apps(Set<String> value) { apps = Set.copyOf(value); return this; }
    /** Link values for OPTIONS, e.g. {@code <stun:stun.example.net:3478>; rel="ice-server"}. */
    public SimNodeConfig iceServerLinks(List<String> value) { iceServerLinks = List.copyOf(value); return this; }
    /** Base such as {@code https://127.0.0.1:8443}; null disables heartbeats. */
    public SimNodeConfig proxy(URI base, String secret) { proxyBase = base; nodeSecret = secret; return this; }
    public SimNodeConfig heartbeatIntervalMs(long value) { heartbeatIntervalMs = value; return this; }
    /** Red5's HLS simple auth: playlists then need {@code ?token=<value>} (401 otherwise); null leaves them open. */
    public SimNodeConfig hlsToken(String value) { hlsToken = value; return this; }
    /** Red5's round-trip authentication: offers and sockets without these credentials are refused; null: open. */
    public SimNodeConfig roundTripAuth(RoundTripAuth value) { roundTripAuth = value; return this; }
    /** Caps a node's recording storage (playlists and segments); the oldest recordings go first. */
    public SimNodeConfig vodLimits(long maxBytes, int maxFiles) { vodMaxBytes = maxBytes; vodMaxFiles = maxFiles; return this; }
    public long vodMaxBytes() { return vodMaxBytes; }
    public int vodMaxFiles() { return vodMaxFiles; }

    /**
     * A transcoder's source of provisions: the proxy's provision API with an admin credential. The proxy does not
     * push provisions to nodes, so the transcoder asks when a publish arrives.
     */
    public SimNodeConfig provisionSource(URI proxyBase, String adminToken) {
        provisionBase = proxyBase;
        provisionToken = adminToken;
        return this;
    }

    public String id() { return id; }
    public NodeRole role() { return role; }
    public String nodeGroup() { return nodeGroup; }
    public String subGroup() { return subGroup; }
    public String bindAddress() { return bindAddress; }
    public String publicAddress() { return publicAddress; }
    public String privateAddress() { return privateAddress != null ? privateAddress : publicAddress; }
    public int httpPort() { return httpPort; }
    public Set<String> apps() { return apps; }
    public List<String> iceServerLinks() { return iceServerLinks; }
    public URI proxyBase() { return proxyBase; }
    public String nodeSecret() { return nodeSecret; }
    public long heartbeatIntervalMs() { return heartbeatIntervalMs; }
    public String hlsToken() { return hlsToken; }
    public RoundTripAuth roundTripAuth() { return roundTripAuth; }
    public URI provisionBase() { return provisionBase; }
    public String provisionToken() { return provisionToken; }
}
