package org.smproxy.core;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.ClusterFile;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.config.ConfigException;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.AdminJwt;
import org.smproxy.http.LoginTokens;
import org.smproxy.http.Admission;
import org.smproxy.http.NodeClient;
import org.smproxy.http.NodeTokens;
import org.smproxy.http.RateLimiter;
import org.smproxy.http.RelayMetrics;
import org.smproxy.http.RouteTable;
import org.smproxy.http.RouteTokens;
import org.smproxy.hls.HlsCache;
import org.smproxy.store.ClusterStore;
import org.smproxy.store.MemoryStore;
import org.smproxy.store.RedisStore;
import org.smproxy.whip.NodeRouter;
import org.smproxy.whip.WhipWhepRelay;
import org.smproxy.ws.SessionDirectory;
import org.smproxy.ws.SessionRegistry;
import org.smproxy.ws.WsRouter;

/**
 * The proxy without its container: configuration, cluster model, metrics and housekeeping. One per server; Red5's
 * plugin and the standalone launcher each build exactly one and install its servlets into their web contexts.
 */
public final class ProxyCore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyCore.class);

    private final ProxyConfig config;
    private final ClusterModel cluster;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final NodeClient nodeClient;
    private final RouteTokens sessionTokens;
    private final ClusterStore store;
    private final SessionRegistry wsSessions;
    private final SessionDirectory sessionDirectory;
    private final HlsCache hlsCache;
    private final WhipWhepRelay whipWhep;
    private final WsRouter wsRouter;
    private final RateLimiter rateLimiter;
    private final Admission admission = new Admission();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final RelayMetrics relayMetrics = new RelayMetrics(metrics);
    private final NodeTokens nodeTokens;
    private final AdminJwt adminJwt;
    private final LoginTokens loginTokens;
    private volatile RouteTable routes;
    private ScheduledExecutorService housekeeping;
    private long lastPingMillis;

    private ProxyCore(ProxyConfig config, ClusterModel cluster, ClusterStore store, Clock clock) {
        this.config = config;
        this.cluster = cluster;
        this.store = store;
        this.wsSessions = new SessionRegistry(store, relayMetrics);
        this.sessionDirectory = new SessionDirectory(wsSessions, store);
        // another replica's operator kick reaches the sessions that live here
        store.onKick((match, by) -> {
            if (match == null) {
                wsSessions.closeAll("closed by the administrator");
            } else {
                wsSessions.find(match).forEach(s -> s.kick(1000, "closed by the administrator"));
            }
        });
        this.nodeClient = new NodeClient(config.relay().connectTimeout());
        this.sessionTokens = new RouteTokens(config.relay().sessionSecret(), config.relay().sessionTtl(), clock);
        this.hlsCache = new HlsCache(nodeClient, config);
        this.rateLimiter = new RateLimiter(config.limits());
        this.adminJwt = AdminJwt.of(config.adminJwt(), clock);
        this.loginTokens = LoginTokens.of(config.login(), clock);
        this.nodeTokens = new NodeTokens(config.nodeSecret(), config.nodeAuth().revoked(), clock, store::nodeTokenRevoked);
        this.wsRouter = new WsRouter(cluster, wsSessions, config, rateLimiter, admission, relayMetrics);
        this.whipWhep = new WhipWhepRelay(new NodeRouter(cluster, sessionTokens), sessionTokens, config, relayMetrics);
    }

    /** @throws ConfigException naming the key or file entry at fault */
    public static ProxyCore create(ProxyConfig config, Clock clock) {
        ClusterFile file = config.clusterFile() == null ? ClusterFile.builtIn() : ClusterFile.load(config.clusterFile());
        ClusterModel cluster;
        try {
            cluster = new ClusterModel(file.nodeGroups(), clock, config.heartbeatTimeout(), config.defaultNodeGroup());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("'cluster.defaultNodeGroup': " + e.getMessage());
        }
        for (NodeReport node : file.staticNodes()) {
            try {
                cluster.report(node, true);
            } catch (ClusterException e) {
                throw new ConfigException("'cluster.file' node '" + node.id() + "': " + e.getMessage());
            }
        }
        ClusterStore store = switch (config.store().kind()) {
            case MEMORY -> new MemoryStore(cluster, config.store().replicaId());
            case REDIS -> new RedisStore(cluster, config.store(), config.heartbeatTimeout());
        };
        ProxyCore core = new ProxyCore(config, cluster, store, clock);
        core.registerGauges();
        return core;
    }

    public static ProxyCore create(ProxyConfig config) {
        return create(config, Clock.systemUTC());
    }

    private void registerGauges() {
        for (String group : cluster.groupNames()) {
            Gauge.builder("smproxy.cluster.nodes.inservice", cluster, c -> c.groupTotals().get(group)[0])
                    .tag("nodeGroup", group).register(metrics);
            Gauge.builder("smproxy.cluster.streams", cluster, c -> c.groupTotals().get(group)[1])
                    .tag("nodeGroup", group).register(metrics);
            Gauge.builder("smproxy.cluster.subscribers", cluster, c -> c.groupTotals().get(group)[3])
                    .tag("nodeGroup", group).register(metrics);
            for (NodeState state : NodeState.values()) {
                Gauge.builder("smproxy.cluster.nodes", cluster, c -> c.count(group, state)).tag("nodeGroup", group)
                        .tag("state", state.name()).description("nodes by group and state").register(metrics);
            }
            Gauge.builder("smproxy.cluster.heartbeat.age.max", cluster, c -> c.oldestHeartbeatAgeMillis(group) / 1000.0)
                    .tag("nodeGroup", group).baseUnit("seconds")
                    .description("age of the group's stalest heartbeat").register(metrics);
        }
        Gauge.builder("smproxy.ws.sessions", wsSessions, SessionRegistry::size).register(metrics);
        Gauge.builder("smproxy.requests.in.flight", admission, Admission::inFlight)
                .description("requests being answered (relays, APIs, HLS)").register(metrics);
        // heap, threads, descriptors and CPU beside the proxy's own figures: a leak shows on the same dashboard
        new JvmMemoryMetrics().bindTo(metrics);
        gcMetrics.bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ClassLoaderMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new FileDescriptorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        Gauge.builder("smproxy.store.synced", store, s -> s.health().ready() ? 1 : 0)
                .tag("store", store.health().kind()).register(metrics);
        Gauge.builder("smproxy.hls.cache.bytes", hlsCache, HlsCache::sizeBytes).register(metrics);
        FunctionCounter.builder("smproxy.hls.node.fetches", hlsCache, HlsCache::fetches)
                .description("objects fetched from nodes (each one a miss of the cache)").register(metrics);
        FunctionCounter.builder("smproxy.hls.requests", hlsCache, HlsCache::fetches).tag("result", "miss")
                .description("HLS requests by how the cache answered them").register(metrics);
        FunctionCounter.builder("smproxy.hls.requests", hlsCache, HlsCache::hits).tag("result", "hit").register(metrics);
        FunctionCounter.builder("smproxy.hls.requests", hlsCache, HlsCache::collapsed).tag("result", "collapsed")
                .register(metrics);
        FunctionCounter.builder("smproxy.hls.bytes", hlsCache, HlsCache::servedBytes)
                .description("bytes of playlists and segments sent to viewers").register(metrics);
        FunctionCounter.builder("smproxy.ws.sessions.opened", wsSessions, SessionRegistry::opened).register(metrics);
        for (String kind : org.smproxy.ws.CloseCodes.KINDS) {
            FunctionCounter.builder("smproxy.ws.sessions.closed", wsSessions, r -> r.closed(kind)).tag("reason", kind)
                    .description("WebSocket sessions ended, by what their first close code said").register(metrics);
        }
        for (RateLimiter.Kind kind : RateLimiter.Kind.values()) {
            FunctionCounter.builder("smproxy.ratelimit.refused", rateLimiter, l -> l.refused(kind))
                    .tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                    .description("requests answered 429 by a rate limit").register(metrics);
        }
        FunctionCounter.builder("smproxy.auth.failures", rateLimiter, RateLimiter::authFailures)
                .description("missing or wrong tokens on the admin and node APIs").register(metrics);
    }

    /** Starts housekeeping: stale nodes are dropped within a quarter of the timeout (at most a second) of expiring. */
    public synchronized void start() {
        if (housekeeping != null) {
            return;
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smproxy-housekeeping");
            t.setDaemon(true);
            t.setContextClassLoader(ProxyCore.class.getClassLoader());
            return t;
        });
        long periodMs = Math.max(50, Math.min(1000, config.heartbeatTimeout().toMillis() / 4));
        housekeeping.scheduleWithFixedDelay(this::expireQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(this::tendWebSockets, 1, 1, TimeUnit.SECONDS);
        store.start();
        log.info("proxy core started: node groups {}, {} node(s) known, heartbeat timeout {} ms, WebSocket proxy (SM 1.x) {}",
                cluster.groupNames(), cluster.nodes().size(), config.heartbeatTimeout().toMillis(),
                config.wsProxyEnabled() ? "enabled" : "disabled");
        if (config.defaultNodeGroup().isEmpty() && cluster.groupNames().size() > 1) {
            log.warn("{} node groups and no cluster.defaultNodeGroup: SM 1.x APIs (no group in their URLs) answer 404",
                    cluster.groupNames().size());
        }
        if (adminJwt != null) {
            log.info("admin API: JWTs signed {} from issuer '{}' for audience '{}'{}", adminJwt.algorithm(),
                    config.adminJwt().issuer(), config.adminJwt().audience(),
                    config.adminToken().isEmpty() ? "" : ", and the static admin token");
        } else if (config.adminToken().isEmpty() && loginTokens == null) {
            log.warn("api.admin.token is not set: the admin API answers 401 to everyone");
        }
        if (loginTokens != null) {
            log.info("login (PUT /as/v1/auth/login): principals {}, tokens valid {} min",
                    config.login().principals().stream().map(p -> p.user() + " (" + p.role() + ")").toList(),
                    config.login().ttl().toMinutes());
        }
        if (config.store().kind() == ProxyConfig.StoreKind.REDIS) {
            log.info("cluster store: redis at {}, replica '{}'", ProxyConfig.redact(config.store().url()), store.replicaId());
            if (config.relay().sessionSecret().isEmpty()) {
                log.warn("cluster.store=redis but proxy.session.secret is not set: each replica signs WHIP/WHEP and HLS"
                        + " session URLs with its own random key, so the others refuse them (403); set the same secret on"
                        + " every replica");
            }
        }
        ProxyConfig.Limits limits = config.limits();
        if (limits.enabled()) {
            log.info("rate limits per client address (this replica): offers {}, WebSocket upgrades {}, lookups {},"
                    + " admin {}, failed token checks {}; heartbeats {} per node; trusted proxies: {}",
                    off(limits.offers()), off(limits.webSocket()), off(limits.lookups()), off(limits.admin()),
                    off(limits.authFailures()), off(limits.heartbeats()),
                    limits.trustedProxies().isEmpty() ? "none" : limits.trustedProxies());
        } else {
            log.warn("rate limits are off (proxy.rateLimit.enabled=false): one client can flood offers and token guesses");
        }
        if (config.nodeSecret().isEmpty()) {
            log.warn("api.node.secret is not set: node heartbeats are refused (401); only static nodes are known");
        }
    }

    private static String off(ProxyConfig.Rate rate) {
        return rate == null ? "off" : rate.toString();
    }

    private void expireQuietly() {
        try {
            store.housekeep();
        } catch (RuntimeException e) {
            log.error("expiring stale nodes failed", e); // keep the schedule alive: a dead reaper would keep dead nodes
        }
    }

    private void tendWebSockets() {
        try {
            long now = System.currentTimeMillis();
            boolean ping = now - lastPingMillis >= config.webSocket().pingInterval().toMillis();
            if (ping) {
                lastPingMillis = now;
            }
            wsSessions.housekeep(now, config.webSocket().reapUnhealthyAfter().toMillis(), ping);
        } catch (RuntimeException e) {
            log.error("WebSocket housekeeping failed", e);
        }
    }

    @Override
    public synchronized void close() {
        wsSessions.shutdown();
        store.close();
        if (housekeeping != null) {
            housekeeping.shutdownNow();
            housekeeping = null;
            log.info("proxy core stopped");
        }
        nodeClient.close();
        gcMetrics.close();
        metrics.close();
    }

    public NodeClient nodeClient() {
        return nodeClient;
    }

    public RouteTokens sessionTokens() {
        return sessionTokens;
    }

    /** The WHIP/WHEP relay that every server's adapter hands its requests to. */
    public WhipWhepRelay whipWhep() {
        return whipWhep;
    }

    /** Every endpoint and its paths, for the servlet contexts and the Netty listener alike. */
    public RouteTable routes() {
        RouteTable r = routes;
        if (r == null) {
            synchronized (this) {
                if (routes == null) {
                    routes = Routes.build(this);
                }
                r = routes;
            }
        }
        return r;
    }

    public HlsCache hlsCache() {
        return hlsCache;
    }

    /** Decides WebSocket sessions before the upgrade, for either server. */
    /** Per-node heartbeat tokens, signed with the node secret (useless, and refused, while none is set). */
    public NodeTokens nodeTokens() {
        return nodeTokens;
    }

    /** Admin JWTs accepted beside the static token, or null. */
    public AdminJwt adminJwt() {
        return adminJwt;
    }

    /** Null while login is closed (no principal configured). */
    public LoginTokens loginTokens() {
        return loginTokens;
    }

    public Admission admission() {
        return admission;
    }

    /**
     * Stops taking new sessions (readiness 503, new offers and upgrades 503) and waits, up to the timeout, until no
     * request is in flight and no WebSocket session is open; {@link #close()} then closes what is left with 1001.
     * Says every few seconds what it waits for. Returns at once on a second call's interrupt.
     */
    public void drain(Duration timeout) {
        admission.drain();
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        log.info("draining: readiness is 503 and new sessions are refused; waiting up to {} s for {} request(s) in"
                + " flight and {} WebSocket session(s)", timeout.toSeconds(), admission.inFlight(), wsSessions.size());
        long nextReport = start + TimeUnit.SECONDS.toNanos(5);
        while (admission.inFlight() > 0 || wsSessions.size() > 0) {
            long now = System.nanoTime();
            if (now >= end) {
                log.info("drain timeout: closing {} WebSocket session(s) (1001) and {} request(s) still in flight",
                        wsSessions.size(), admission.inFlight());
                return;
            }
            if (now >= nextReport) {
                log.info("draining: {} request(s) in flight, {} WebSocket session(s), {} s left", admission.inFlight(),
                        wsSessions.size(), TimeUnit.NANOSECONDS.toSeconds(end - now));
                nextReport = now + TimeUnit.SECONDS.toNanos(5);
            }
            try {
                Thread.sleep(50); // polling two counters; nothing to wake on that both the relays and sessions share
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.info("drain cut short");
                return;
            }
        }
        log.info("drained in {} ms: nothing in flight, no WebSocket session open",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    public RateLimiter rateLimiter() {
        return rateLimiter;
    }

    public WsRouter wsRouter() {
        return wsRouter;
    }

    public SessionRegistry wsSessions() {
        return wsSessions;
    }

    public ClusterStore store() {
        return store;
    }

    /** The WebSocket sessions of the whole tier. */
    public SessionDirectory sessionDirectory() {
        return sessionDirectory;
    }

    public ProxyConfig config() {
        return config;
    }

    public ClusterModel cluster() {
        return cluster;
    }

    public RelayMetrics relayMetrics() {
        return relayMetrics;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }
}
