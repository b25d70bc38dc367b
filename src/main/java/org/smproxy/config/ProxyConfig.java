package org.smproxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Every setting of the proxy, typed and validated, built from the same properties format in Red5
 * ({@code WEB-INF/red5-web.properties}) and standalone ({@code --config FILE}). Defaults live here and only here.
 *
 * @param wsProxyEnabled   {@code proxy.enabled}: the SM 1.x WebSocket proxy on {@code /streammanager}, off as in Red5
 * @param clusterFile      {@code cluster.file}: node groups and static nodes; null means one group named "main"
 * @param defaultNodeGroup {@code cluster.defaultNodeGroup}: group for SM 1.x APIs, whose URLs name none; empty = the only one
 * @param drainTimeout     {@code proxy.shutdown.drainTimeout}: on SIGTERM (or the webapp's stop) how long requests in
 *                         flight and WebSocket sessions may go on while no new session is taken
 * @param nodeNetworks     {@code api.node.allowedNetworks}: where heartbeating nodes may say they are; by default any
 *                         unicast address but loopback, link-local, metadata and the like, so a leaked node secret
 *                         cannot point the proxy at its own host or the cloud's metadata service
 */
public record ProxyConfig(
        boolean wsProxyEnabled,
        Path clusterFile,
        String defaultNodeGroup,
        Duration heartbeatInterval,
        Duration heartbeatTimeout,
        boolean usePrivateAddress,
        String adminToken,
        String nodeSecret,
        Networks nodeNetworks,
        Relay relay,
        WebSocket webSocket,
        Hls hls,
        Store store,
        Standalone standalone,
        Listener listener,
        Limits limits,
        ClientTimeouts client,
        Duration drainTimeout,
        NodeAuth nodeAuth,
        AdminJwt adminJwt,
        Login login,
        Logging logging) {

    /** How the standalone server logs ({@code logging.*}); inside Red5, Red5's logback.xml decides. */
    public enum LogFormat { TEXT, JSON }

    /** @param file where log lines go, or null for standard output */
    public record Logging(LogFormat format, String level, Path file) {
    }

    /** Where the cluster view is shared between replicas. */
    public enum StoreKind { MEMORY, REDIS }

    /**
     * The shared cluster store ({@code cluster.store*}).
     *
     * @param url       {@code redis://host:port[/db]} or {@code rediss://} (TLS); null with {@link StoreKind#MEMORY}
     * @param prefix    put before every key and channel, so several clusters can share one server
     * @param replicaId names this replica in the tier-wide session registry; unique per process when not set
     */
    public record Store(StoreKind kind, String url, String password, String prefix, String replicaId) {
    }

    /**
     * The HLS proxy's shared cache and its freshness rules.
     *
     * @param playlistMaxAge how stale a playlist served from the cache may be: a fraction of a 1 s target duration
     * @param blockingTimeout LL-HLS blocking reloads ({@code _HLS_msn}) wait at the node up to this long
     * @param tokenWindow    a rewritten playlist's file URLs are signed once per window of this length, so they stay
     *                       the same from reload to reload and on every replica; each is valid for the window and
     *                       {@code proxy.session.ttl} past it
     */
    public record Hls(long cacheBytes, Duration segmentTtl, Duration playlistMaxAge, Duration blockingTimeout,
                      Duration tokenWindow) {
    }

    /**
     * The WebSocket signalling relay.
     *
     * @param idleTimeout closes a session with no frames either way for this long; zero (the default) never does,
     *                    since a persistent (non-switched) WebSocket session is silent while media flows
     * @param queueBytes  frames waiting for the slower leg, per direction and session, before the session is closed
     * @param maxMessageRate messages a client may send per session (a flood is closed with 1008), null when off
     */
    public record WebSocket(int maxFrameBytes, int maxSessionsPerAddress, Duration idleTimeout, Duration pingInterval,
                            int queueBytes, Duration reapUnhealthyAfter, Rate maxMessageRate) {
    }

    /**
     * The WHIP/WHEP relay.
     *
     * @param sessionSecret signs the resource URLs handed to clients, so any replica sharing the secret can route a
     *                      session's PATCH and DELETE; empty means a random one per process (single replica only)
     */
    public record Relay(Duration connectTimeout, Duration requestTimeout, int maxBodyBytes, List<String> allowedOrigins,
                        String sessionSecret, Duration sessionTtl) {
    }

    /**
     * Settings only the standalone launcher reads; Red5 owns its own connectors.
     *
     * @param server    {@code standalone.server}: which server carries the listeners, {@link Server#NETTY} (the
     *                  default) or {@link Server#TOMCAT} (the servlet adapter, as inside Red5)
     * @param nettyPort {@code standalone.netty.port}: with {@code standalone.server=tomcat}, a second HTTPS listener on
     *                  Netty beside Tomcat serving the same paths (to compare both in one process); -1 (the default)
     *                  opens none
     */
    public record Standalone(Server server, String bindAddress, int httpsPort, int httpPort, Path keystoreFile,
                             String keystorePassword, String keystoreType, int nettyPort) {
    }

    /**
     * A token bucket: {@code perSecond} requests a second on average, up to {@code burst} at once.
     */
    public record Rate(double perSecond, int burst) {
        @Override
        public String toString() {
            return (perSecond == Math.rint(perSecond) ? String.valueOf((long) perSecond) : String.valueOf(perSecond))
                    + "/s burst " + burst;
        }
    }

    /**
     * Rate limits per client address ({@code proxy.rateLimit.*}), each null when off, and who may say who the client
     * is ({@code proxy.trustedProxies}).
     *
     * @param offers       WHIP/WHEP POSTs (each one selects a node and costs it an SDP negotiation)
     * @param webSocket    WebSocket upgrades, both families
     * @param lookups      stream lookups: SM 1.x events and the SM 2.0 streams API
     * @param heartbeats   per node id, not per address: an agent may speak for many nodes
     * @param admin        admin API calls
     * @param authFailures wrong or missing tokens on the admin and node APIs; past it even a right one waits
     * @param trustedProxies peers whose {@code X-Forwarded-For} or {@code Forwarded} names the client; none by default
     */
    public record Limits(boolean enabled, Rate offers, Rate webSocket, Rate lookups, Rate heartbeats, Rate admin,
                         Rate authFailures, Networks trustedProxies) {
    }

    /**
     * How long a client may take to send a request ({@code proxy.client.*}): the headers from its first byte, the
     * body from the headers. A slow sender is answered 408 and closed instead of holding a connection for ever. And how
     * many connections one address may hold open on the Netty listeners (trusted proxies exempt).
     */
    public record ClientTimeouts(Duration header, Duration body, int maxConnectionsPerAddress) {
    }

    /**
     * How heartbeats authenticate ({@code api.node.auth}, {@code api.node.revokedTokens}).
     *
     * @param shared  the shared {@code api.node.secret} itself is accepted, speaking for any node
     * @param tokens  per-node tokens (signed with that secret, issued by the admin API) are accepted, each speaking
     *                for its node only
     * @param revoked ids of node tokens no longer accepted
     */
    public record NodeAuth(boolean shared, boolean tokens, Set<String> revoked) {
    }

    /**
     * Admin access by JWT ({@code api.admin.jwt.*}), beside the static admin token; null when not configured.
     * Exactly one of {@code secret} (HS256) and {@code publicKeyFile} (PEM, RS256 or ES256).
     */
    /** A login principal of {@code PUT /as/v1/auth/login}: its role is {@code ROLE_ADMIN} or {@code ROLE_PROXY}. */
    public record Principal(String user, String password, String role) {
    }

    /**
     * Stream Manager 2.0's login ({@code api.auth.*}); null when no principal has a password (login closed).
     *
     * @param secret signs the login JWTs; every replica of a tier needs the same one to take its peers' tokens
     * @param ttl    how long a login JWT lives (Red5's default: 400 minutes)
     */
    public record Login(List<Principal> principals, String secret, Duration ttl) {
    }

    public record AdminJwt(String secret, Path publicKeyFile, String issuer, String audience) {
    }

    /** The standalone launcher's HTTP server. */
    public enum Server {
        /** Netty: epoll and BoringSSL where their natives load, one event loop per core; measured ahead in bench/. */
        NETTY,
        /** Embedded Tomcat: the servlet adapter Red5 runs, on its own. */
        TOMCAT
    }

    /**
     * The proxy's own Netty HTTPS listener inside Red5 ({@code proxy.listener.*}): the same paths as Red5's Tomcat
     * serves, on a port of its own, with a keystore of its own (Red5's connector keeps its own). Off when the port is
     * -1, the default.
     */
    public record Listener(int port, String bindAddress, Path keystoreFile, String keystorePassword, String keystoreType) {
        public boolean enabled() {
            return port >= 0;
        }
    }

    private static final Set<String> OWN_PREFIXES = Set.of("proxy.", "cluster.", "api.", "standalone.", "logging.");

    public static ProxyConfig defaults() {
        return fromProperties(new Properties(), null);
    }

    /**
     * @param baseDir directory that relative paths are resolved against (the properties file's directory), or null
     */
    public static ProxyConfig fromProperties(Properties properties, Path baseDir) {
        Settings s = new Settings(properties);
        Duration interval = s.duration("cluster.heartbeat.interval", Duration.ofSeconds(2), Duration.ofMillis(100));
        Duration timeout = s.duration("cluster.heartbeat.timeout", Duration.ofSeconds(8), Duration.ofMillis(200));
        if (timeout.compareTo(interval) <= 0) {
            throw new ConfigException("'cluster.heartbeat.timeout' (" + timeout.toMillis()
                    + "ms) must be longer than 'cluster.heartbeat.interval' (" + interval.toMillis() + "ms)");
        }
        ProxyConfig config = new ProxyConfig(
                s.bool("proxy.enabled", false),
                s.path("cluster.file", baseDir),
                s.string("cluster.defaultNodeGroup", ""),
                interval,
                timeout,
                s.bool("cluster.usePrivateAddress", true),
                secret(s, "api.admin.token"),
                secret(s, "api.node.secret"),
                Networks.parse("api.node.allowedNetworks", s.list("api.node.allowedNetworks", List.of("unicast"))),
                new Relay(
                        s.duration("proxy.upstream.connectTimeout", Duration.ofSeconds(3), Duration.ofMillis(10)),
                        s.duration("proxy.upstream.timeout", Duration.ofSeconds(15), Duration.ofMillis(10)),
                        s.integer("proxy.maxBodySize", 64 * 1024, 1024, 16 * 1024 * 1024),
                        s.list("proxy.cors.allowedOrigins", List.of("*")),
                        secret(s, "proxy.session.secret"),
                        s.duration("proxy.session.ttl", Duration.ofHours(12), Duration.ofMinutes(1))),
                new WebSocket(
                        s.integer("proxy.ws.maxFrameSize", 64 * 1024, 1024, 16 * 1024 * 1024),
                        s.integer("proxy.ws.maxSessionsPerAddress", 200, 1, 1_000_000),
                        s.duration("proxy.ws.idleTimeout", Duration.ZERO, Duration.ZERO),
                        s.duration("proxy.ws.pingInterval", Duration.ofSeconds(30), Duration.ofSeconds(1)),
                        s.integer("proxy.ws.queueSize", 256 * 1024, 64 * 1024, 64 * 1024 * 1024),
                        s.duration("proxy.ws.reapUnhealthyAfter", Duration.ofSeconds(10), Duration.ofSeconds(1)),
                        rate(s, "proxy.ws.maxMessageRate", "50/s burst 200", true)),
                new Hls(
                        s.integer("proxy.hls.cacheSize", 128 * 1024 * 1024, 1024 * 1024, Integer.MAX_VALUE),
                        s.duration("proxy.hls.segmentTtl", Duration.ofSeconds(30), Duration.ofSeconds(1)),
                        s.duration("proxy.hls.playlistMaxAge", Duration.ofMillis(500), Duration.ZERO),
                        s.duration("proxy.hls.blockingTimeout", Duration.ofSeconds(12), Duration.ofSeconds(1)),
                        s.duration("proxy.hls.tokenWindow", Duration.ofHours(1), Duration.ofSeconds(1))),
                store(s),
                standalone(s, baseDir),
                new Listener(
                        s.integer("proxy.listener.port", -1, -1, 65535),
                        s.string("proxy.listener.bind", "0.0.0.0"),
                        s.path("proxy.listener.keystore.file", baseDir),
                        s.string("proxy.listener.keystore.password", ""),
                        s.string("proxy.listener.keystore.type", "PKCS12")),
                limits(s),
                new ClientTimeouts(
                        s.duration("proxy.client.headerTimeout", Duration.ofSeconds(10), Duration.ofMillis(100)),
                        s.duration("proxy.client.bodyTimeout", Duration.ofSeconds(30), Duration.ofMillis(100)),
                        s.integer("proxy.client.maxConnectionsPerAddress", 2000, 1, 10_000_000)),
                s.duration("proxy.shutdown.drainTimeout", Duration.ofSeconds(20), Duration.ZERO),
                nodeAuth(s),
                adminJwt(s, baseDir),
                login(s),
                logging(s, baseDir));
        Set<String> unknown = s.unknownKeys(OWN_PREFIXES);
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown configuration key(s) " + unknown + ": check the spelling against the README");
        }
        Listener l = config.listener();
        if (l.enabled() && (l.keystoreFile() == null || !Files.isReadable(l.keystoreFile()))) {
            throw new ConfigException("'proxy.listener.port' is set, so 'proxy.listener.keystore.file' must name a readable"
                    + " keystore (PKCS12 or JKS, with proxy.listener.keystore.password): " + l.keystoreFile());
        }
        if (config.clusterFile != null && !Files.isReadable(config.clusterFile)) {
            throw new ConfigException("'cluster.file' points at " + config.clusterFile + ", which cannot be read");
        }
        return config;
    }

    private static Logging logging(Settings s, Path baseDir) {
        String format = s.string("logging.format", "text").trim().toLowerCase(java.util.Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw new ConfigException("'logging.format' must be text or json, not '" + format + "'");
        }
        String level = s.string("logging.level", "INFO").trim().toUpperCase(java.util.Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            throw new ConfigException("'logging.level' must be TRACE, DEBUG, INFO, WARN or ERROR, not '" + level + "'");
        }
        return new Logging(LogFormat.valueOf(format.toUpperCase(java.util.Locale.ROOT)), level, s.path("logging.file", baseDir));
    }

    /** Secrets shorter than this are guessable, or a sample's value nobody replaced. */
    static final int MIN_SECRET_LENGTH = 16;

    /**
     * A shared secret: empty keeps what it guards closed (the caller logs that); anything else must look like a real
     * secret, since a sample's placeholder left in a running gateway is an open door nobody notices.
     */
    private static String secret(Settings s, String key) {
        String value = s.string(key, "");
        if (value.isEmpty()) {
            return value;
        }
        String lower = value.toLowerCase(java.util.Locale.ROOT);
        boolean placeholder = lower.startsWith("change-me") || lower.startsWith("changeme")
                || lower.startsWith("replace-with") || lower.startsWith("replace-me");
        if (placeholder || value.length() < MIN_SECRET_LENGTH) {
            throw new ConfigException("'" + key + "' " + (placeholder ? "still holds a sample's placeholder"
                    : "is shorter than " + MIN_SECRET_LENGTH + " characters") + ": set a random value, e.g. the output of"
                    + " 'openssl rand -base64 32', or leave it empty to keep what it guards closed");
        }
        return value;
    }

    private static Login login(Settings s) {
        List<Principal> principals = new ArrayList<>();
        for (String[] p : new String[][] {{"admin", "ROLE_ADMIN"}, {"proxy", "ROLE_PROXY"}}) {
            String prefix = "api.auth." + p[0];
            String user = s.string(prefix + ".user", p[0]);
            String password = secret(s, prefix + ".password");
            if (user.isEmpty() || user.contains(":")) {
                throw new ConfigException("'" + prefix + ".user' must be a name without ':' (Basic credentials are"
                        + " user:password)");
            }
            if (!password.isEmpty()) {
                principals.add(new Principal(user, password, p[1]));
            }
        }
        if (principals.size() == 2 && principals.get(0).user().equals(principals.get(1).user())) {
            throw new ConfigException("'api.auth.admin.user' and 'api.auth.proxy.user' are the same name: which role"
                    + " would it log in with?");
        }
        String secret = secret(s, "api.auth.jwt.secret");
        Duration ttl = s.duration("api.auth.jwt.ttl", Duration.ofMinutes(400), Duration.ofMinutes(1));
        if (principals.isEmpty()) {
            return null;
        }
        if (secret.isEmpty()) {
            throw new ConfigException("'api.auth.jwt.secret' is not set, but login principals are"
                    + " ('api.auth.admin.password'/'api.auth.proxy.password'): set a random value (every replica the"
                    + " same), e.g. the output of 'openssl rand -base64 32'");
        }
        return new Login(List.copyOf(principals), secret, ttl);
    }

    private static AdminJwt adminJwt(Settings s, Path baseDir) {
        String secret = secret(s, "api.admin.jwt.secret");
        Path key = s.path("api.admin.jwt.publicKeyFile", baseDir);
        String issuer = s.string("api.admin.jwt.issuer", "");
        String audience = s.string("api.admin.jwt.audience", "");
        if (secret.isEmpty() && key == null) {
            if (!issuer.isEmpty() || !audience.isEmpty()) {
                throw new ConfigException("'api.admin.jwt.issuer'/'audience' are set but neither 'api.admin.jwt.secret'"
                        + " nor 'api.admin.jwt.publicKeyFile' is: which key signs the tokens?");
            }
            return null;
        }
        if (!secret.isEmpty() && key != null) {
            throw new ConfigException("'api.admin.jwt.secret' (HS256) and 'api.admin.jwt.publicKeyFile' (RS256/ES256)"
                    + " are both set: one algorithm is taken, so set one");
        }
        if (issuer.isEmpty() || audience.isEmpty()) {
            throw new ConfigException("admin JWTs need 'api.admin.jwt.issuer' and 'api.admin.jwt.audience', which every"
                    + " token must carry (iss, aud), so a token made for another service is refused");
        }
        return new AdminJwt(secret.isEmpty() ? null : secret, key, issuer, audience);
    }

    private static NodeAuth nodeAuth(Settings s) {
        List<String> ways = s.list("api.node.auth", List.of("shared", "token"));
        for (String w : ways) {
            if (!w.equals("shared") && !w.equals("token")) {
                throw new ConfigException("'api.node.auth' lists shared (the node secret itself) and/or token (per-node"
                        + " tokens), not '" + w + "'");
            }
        }
        if (ways.isEmpty()) {
            throw new ConfigException("'api.node.auth' must list shared and/or token");
        }
        Set<String> revoked = Set.copyOf(s.list("api.node.revokedTokens", List.of()));
        return new NodeAuth(ways.contains("shared"), ways.contains("token"), revoked);
    }

    private static Limits limits(Settings s) {
        boolean on = s.bool("proxy.rateLimit.enabled", true);
        List<String> trusted = s.list("proxy.trustedProxies", List.of());
        return new Limits(on,
                rate(s, "proxy.rateLimit.offers", "20/s burst 50", on),
                rate(s, "proxy.rateLimit.websocket", "20/s burst 50", on),
                rate(s, "proxy.rateLimit.lookups", "50/s burst 100", on),
                rate(s, "proxy.rateLimit.heartbeats", "10/s burst 20", on),
                rate(s, "proxy.rateLimit.admin", "20/s burst 50", on),
                rate(s, "proxy.rateLimit.authFailures", "1/s burst 10", on),
                trusted.isEmpty() ? Networks.none() : Networks.parse("proxy.trustedProxies", trusted));
    }

    private static final java.util.regex.Pattern RATE =
            java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*/\\s*s(?:\\s*,?\\s*burst\\s+(\\d+))?");

    /** {@code 20/s burst 50}, {@code 0.5/s} (burst 1) or {@code off}. */
    private static Rate rate(Settings s, String key, String defaultValue, boolean enabled) {
        String text = s.string(key, defaultValue).trim().toLowerCase(java.util.Locale.ROOT);
        if (text.equals("off")) {
            return null;
        }
        java.util.regex.Matcher m = RATE.matcher(text);
        if (!m.matches()) {
            throw new ConfigException("'" + key + "' must look like 20/s burst 50 (requests a second, how many at once)"
                    + " or off, not '" + text + "'");
        }
        double perSecond = Double.parseDouble(m.group(1));
        long burst = m.group(2) == null ? Math.max(1, (long) Math.ceil(perSecond)) : Long.parseLong(m.group(2));
        if (perSecond <= 0 || burst < 1 || burst > 1_000_000) {
            throw new ConfigException("'" + key + "' needs a rate above 0 and a burst of 1-1000000, not '" + text + "'");
        }
        return enabled ? new Rate(perSecond, (int) burst) : null;
    }

    private static Standalone standalone(Settings s, Path baseDir) {
        String name = s.string("standalone.server", "netty");
        Server server = switch (name) {
            case "netty" -> Server.NETTY;
            case "tomcat" -> Server.TOMCAT;
            default -> throw new ConfigException("'standalone.server' must be netty or tomcat, not '" + name + "'");
        };
        int nettyPort = s.integer("standalone.netty.port", -1, -1, 65535);
        if (nettyPort >= 0 && server != Server.TOMCAT) {
            throw new ConfigException("'standalone.netty.port' opens a Netty listener beside Tomcat: it needs "
                    + "standalone.server=tomcat (with netty, the server's own ports are already Netty's)");
        }
        return new Standalone(server,
                s.string("standalone.bind", "0.0.0.0"),
                s.integer("standalone.https.port", 8443, 0, 65535),
                s.integer("standalone.http.port", -1, -1, 65535),
                s.path("standalone.keystore.file", baseDir),
                s.string("standalone.keystore.password", ""),
                s.string("standalone.keystore.type", "PKCS12"),
                nettyPort);
    }

    private static Store store(Settings s) {
        String kind = s.string("cluster.store", "memory");
        String url = s.string("cluster.store.url", "");
        String password = s.string("cluster.store.password", "");
        String prefix = s.string("cluster.store.prefix", "smproxy:");
        String replica = s.string("cluster.replica.id", "");
        if (!replica.matches("[A-Za-z0-9._-]{0,64}")) {
            throw new ConfigException("'cluster.replica.id' may hold letters, digits, '.', '_' and '-' (at most 64), not '"
                    + replica + "'");
        }
        if (replica.isEmpty()) {
            replica = defaultReplicaId();
        }
        if (prefix.isEmpty() || prefix.length() > 64 || prefix.contains("|")) {
            throw new ConfigException("'cluster.store.prefix' must be 1-64 characters without '|', not '" + prefix + "'");
        }
        switch (kind.toLowerCase(java.util.Locale.ROOT)) {
            case "memory":
                return new Store(StoreKind.MEMORY, null, "", prefix, replica);
            case "redis":
                if (url.isEmpty()) {
                    throw new ConfigException("'cluster.store.url' is required with cluster.store=redis, e.g. redis://127.0.0.1:6379");
                }
                java.net.URI uri;
                try {
                    uri = new java.net.URI(url);
                } catch (java.net.URISyntaxException e) {
                    throw new ConfigException("'cluster.store.url' must look like redis://host:port[/db] or"
                            + " rediss://host:port[/db], not '" + redact(url) + "' (" + e.getReason() + ")");
                }
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
                if (!scheme.equals("redis") && !scheme.equals("rediss") || uri.getHost() == null) {
                    throw new ConfigException("'cluster.store.url' must look like redis://host:port[/db] or rediss://host:port[/db], not '"
                            + redact(url) + "'");
                }
                String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "0" : uri.getPath().substring(1);
                if (!db.matches("\\d{1,2}")) {
                    throw new ConfigException("'cluster.store.url': the database after the port must be a number, not '" + db + "'");
                }
                return new Store(StoreKind.REDIS, url, password, prefix, replica);
            default:
                throw new ConfigException("'cluster.store' must be memory or redis, not '" + kind + "'");
        }
    }

    /** A duration as the configuration writes them, for APIs that take one. @throws IllegalArgumentException */
    public static Duration parseDuration(String value) {
        return Settings.parseDuration(value);
    }

    /** A URL as it may appear in a message: without the password it may carry. */
    public static String redact(String url) {
        return url == null ? null : url.replaceAll("//[^@/]*@", "//***@");
    }

    private static String defaultReplicaId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "");
        } catch (java.io.IOException e) {
            host = "replica";
        }
        if (host.isEmpty() || host.length() > 40) {
            host = "replica";
        }
        return host + "-" + Long.toHexString(new java.security.SecureRandom().nextInt() & 0xFFFFFFL);
    }

    public static ProxyConfig load(Path file) {
        return fromProperties(readProperties(file), file.toAbsolutePath().getParent());
    }

    public static Properties readProperties(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage(), e);
        }
        return properties;
    }

    public ProxyConfig withClusterFile(Path file) {
        return new ProxyConfig(wsProxyEnabled, file, defaultNodeGroup, heartbeatInterval, heartbeatTimeout,
                usePrivateAddress, adminToken, nodeSecret, nodeNetworks, relay, webSocket, hls, store, standalone, listener,
                limits, client, drainTimeout, nodeAuth, adminJwt, login, logging);
    }
}
