package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.VideoTrack;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.servlet.http.HttpServletResponse;

/**
 * One simulated Red5 Pro node with real WebRTC media: WHIP ingest on origins and all-in-ones, Red5-style WHEP
 * (server offer) on edges and all-in-ones, heartbeats to the proxy's node API. An edge plays what its origin
 * ingests, in process, so "publish to the origin, play from an edge" shows the publisher's picture.
 */
public final class SimNode implements AutoCloseable {

    private final SimNodeConfig config;
    private final java.util.concurrent.atomic.AtomicLong authRefusals = new java.util.concurrent.atomic.AtomicLong();
    private final SimNode origin;
    private final Ingest ingest;
    private final Egress egress;
    private final NodeHttpServer server;
    private final Signalling signalling;
    private final StreamMessaging messaging;
    private final Heartbeat heartbeat;
    private final HlsStreams hls;
    private final Recordings recordings;
    /** Null unless this node is a transcoder. */
    private final Transcoder transcoder;
    private volatile String state = "INSERVICE";
    private volatile boolean stopped;

    /** @param origin the node an edge relays from; null for origins and all-in-ones */
    SimNode(SimMedia media, SimNodeConfig config, SimNode origin) {
        this.config = config.copy();
        if (this.config.role() == NodeRole.EDGE && origin == null) {
            throw new IllegalArgumentException("edge " + config.id() + " needs an origin");
        }
        this.origin = origin;
        this.messaging = new StreamMessaging(config.id(), origin == null ? null : origin.messaging);
        this.signalling = new Signalling(this);
        this.hls = new HlsStreams(config.id(), config.apps());
        if (origin != null) {
            hls.upstream(origin.hls); // an edge carries its origin's published streams, HLS too
        }
        this.recordings = new Recordings(config.id(), this.config.vodMaxBytes(), this.config.vodMaxFiles());
        this.transcoder = this.config.role() == NodeRole.TRANSCODER
                ? new Transcoder(media, this.config, this::streamSource) : null;
        this.ingest = new Ingest(media, guid -> {
            messaging.unpublished(guid);
            hls.stopPublished(guid); // returns once ffmpeg ended, the recording's playlist closed
            recordings.finished(guid);
            if (transcoder != null) {
                transcoder.unpublished(guid);
            }
        }, (guid, mode) -> {
            if (transcoder != null) {
                transcoder.published(guid);
                return Optional.empty(); // the HLS is made of the renditions, by the origin they are published to
            }
            return hls.startPublished(guid).map(h -> recordings.start(guid, mode).map(h::record).orElse(h));
        });
        this.egress = new Egress(media);
        this.server = new NodeHttpServer(config.id(), config.bindAddress(), config.httpPort(), new NodeServlet(this));
        signalling.install(server.context());
        this.heartbeat = config.proxyBase() == null ? null : new Heartbeat(this);
        VodFilter.install(server.context(), recordings, this.config.apps(), () -> baseUrl().toString(),
                config.hlsToken());
        HlsFilter.install(server.context(), hls, config.hlsToken());
    }

    SimNode start() {
        server.start();
        if (heartbeat != null) {
            heartbeat.start();
        }
        return this;
    }

    /** Dies abruptly: no more heartbeats, the port and its sockets close unannounced, every peer connection drops. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (heartbeat != null) {
            heartbeat.stop();
        }
        server.stop();
        hls.closeAll();
        signalling.forgetAll();
        messaging.forgetAll();
        egress.closeAll();
        ingest.closeAll();
        recordings.close();
        if (transcoder != null) {
            transcoder.closeAll();
        }
    }

    @Override
    public void close() {
        stop();
    }

    public SimNodeConfig config() { return config.copy(); }
    public String id() { return config.id(); }
    public NodeRole role() { return config.role(); }
    public int httpPort() { return server.port(); }
    public boolean isStopped() { return stopped; }
    public String state() { return state; }
    /** The scaling state reported in heartbeats, e.g. {@code SOFT_SUNSET} to drain a node. */
    public void setState(String value) { state = value; }
    public Optional<SimNode> origin() { return Optional.ofNullable(origin); }
    /** Heartbeats the proxy accepted (200) so far; 0 without a proxy. */
    public int heartbeatsAccepted() { return heartbeat == null ? 0 : heartbeat.accepted(); }

    /** {@code http://<publicAddress>:<port>}, the base a proxy forwards to. */
    public URI baseUrl() {
        return URI.create("http://" + hostForUri(config.publicAddress()) + ":" + httpPort());
    }

    public URI whipEndpoint(String streamGuid) {
        int slash = streamGuid.lastIndexOf('/');
        return baseUrl().resolve("/" + streamGuid.substring(0, slash) + "/whip/endpoint/" + streamGuid.substring(slash + 1));
    }

    public URI whepEndpoint(String streamGuid, String requestId) {
        int slash = streamGuid.lastIndexOf('/');
        return baseUrl().resolve("/" + streamGuid.substring(0, slash) + "/whep/endpoint/"
                + streamGuid.substring(slash + 1) + "?requestId=" + requestId);
    }

    /** Red5's signalling socket URL as SDK 11–14 builds it: {@code ws://host:port/<app>[/<context>]/?id=<id>}. */
    public URI signallingUrl(String scope, String id) {
        return URI.create(baseUrl().toString().replaceFirst("^http", "ws") + "/" + scope + "/?id=" + id);
    }

    /** Every WebSocket upgrade request this node accepted, oldest first. */
    public List<WsHandshake> wsHandshakes() { return signalling.handshakes(); }
    public int openSignallingSockets() { return signalling.openSockets(); }

    /** Frames this node decoded from the stream's publisher (cumulative over republishes). */
    public long framesDecoded(String streamGuid) { return ingest.framesDecoded(streamGuid); }
    public boolean isPublishing(String streamGuid) { return ingest.session(streamGuid).isPresent(); }
    public Set<String> publishingStreams() { return ingest.publishing(); }
    public int publisherCount() { return ingest.count(); }
    public int subscriberCount() { return egress.count(); }
    public int subscriberCount(String streamGuid) { return egress.count(streamGuid); }
    /** On a transcoder, the renditions it publishes to an origin now; empty on other nodes. */
    public Set<String> renditions() { return transcoder == null ? Set.of() : transcoder.renditions(); }

    /** The JSON body of a heartbeat; see the proxy's node API. */
    public Map<String, Object> heartbeatPayload() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("connections.publisher", publisherCount());
        metrics.put("connections.subscriber", subscriberCount());
        metrics.put("connections.client", publisherCount() + subscriberCount());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", config.id());
        body.put("nodeGroup", config.nodeGroup());
        body.put("role", config.role().wireName());
        body.put("subGroup", config.subGroup());
        body.put("publicAddress", config.publicAddress());
        body.put("privateAddress", config.privateAddress());
        body.put("httpPort", httpPort());
        body.put("state", state);
        body.put("metrics", metrics);
        body.put("streams", streams(false));
        return body;
    }

    /** Requests and sockets refused by round-trip authentication: what a test counts to see the node decided. */
    public long authRefusals() {
        return authRefusals.get();
    }

    void authRefused() {
        authRefusals.incrementAndGet();
    }

    /** What {@code GET /__sim/stats} returns. */
    public Map<String, Object> stats() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", config.id());
        body.put("role", config.role().wireName());
        body.put("state", state);
        body.put("authRefusals", authRefusals.get());
        body.put("publishers", publisherCount());
        body.put("subscribers", subscriberCount());
        body.put("streams", streams(true));
        if (transcoder != null) {
            body.put("renditions", transcoder.renditions());
        }
        return body;
    }

    /**
     * Streams this node knows: its own publishes, or for an edge what its origin publishes, plus anything it
     * still has subscribers for.
     */
    private List<Map<String, Object>> streams(boolean withFrames) {
        Set<String> guids = new TreeSet<>(role().canPublish() ? ingest.publishing() : upstreamStreams());
        guids.addAll(egress.streams());
        guids.addAll(hls.streams());
        List<Map<String, Object>> out = new ArrayList<>();
        for (String guid : guids) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("streamGuid", guid);
            s.put("publishing", isPublishing(guid) || (role().canPublish() && hls.serves(guid)));
            s.put("subscribers", subscriberCount(guid));
            if (withFrames) {
                s.put("framesDecoded", framesDecoded(guid));
            }
            out.add(s);
        }
        return out;
    }

    private Set<String> upstreamStreams() {
        if (origin == null || origin.isStopped()) {
            return Set.of();
        }
        Set<String> live = new TreeSet<>(origin.publishingStreams());
        live.addAll(origin.hlsStreams()); // an origin's HLS test pattern stands for an encoder publishing to it
        return live;
    }

    /** The track a subscriber of this node is sent: local for publish-capable nodes, else the origin's. */
    Optional<VideoTrack> streamSource(String streamGuid) {
        if (role().canPublish()) {
            return ingest.liveTrack(streamGuid);
        }
        return origin == null || origin.isStopped() ? Optional.empty() : origin.streamSource(streamGuid);
    }

    void writeOptions(HttpServletResponse resp) throws IOException {
        config.iceServerLinks().forEach(link -> resp.addHeader("Link", link));
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    // ---- HLS (HlsStreams, HlsFilter, HlsPackager): a live ffmpeg test pattern per started stream ----

    /**
     * Starts (once) this node's live HLS of the stream, an ffmpeg test pattern served at {@link #hlsUrl}, and
     * returns that URL once the first playlist exists. On an origin or all-in-one the stream then counts as
     * published (heartbeats say so and its edges list it); an edge serves its own copy, independent of others.
     *
     * @throws IllegalStateException when ffmpeg is missing or fails to start
     */
    public URI startHls(String streamGuid) {
        hls.start(streamGuid);
        return hlsUrl(streamGuid);
    }

    /** Kills the stream's ffmpeg and deletes its files; false when it was not running. */
    public boolean stopHls(String streamGuid) { return hls.stop(streamGuid); }
    public Set<String> hlsStreams() { return hls.streams(); }
    /** {@code http://<publicAddress>:<port>/<app>[/<room>]/<stream>.m3u8}, Red5's HLS URL. */
    public URI hlsUrl(String streamGuid) { return baseUrl().resolve("/" + streamGuid + ".m3u8"); }
    /** HLS requests (any method, any outcome) this node received for a path such as {@code /live/stream1_17.ts}. */
    public long hlsRequests(String path) { return hls.requests(path); }
    public long hlsRequests() { return hls.totalRequests(); }
    /** Path to request count, for every HLS path requested so far. */
    public Map<String, Long> hlsRequestCounts() { return hls.requestCounts(); }
    public void resetHlsRequests() { hls.resetRequests(); }
    HlsStreams hls() { return hls; }
    /** The folder holding this node's recordings ({@code <app>/streams/}), deleted when the node stops. */
    public java.nio.file.Path recordingStorage() { return recordings.root(); }
    /** File names of the app's finished recordings, newest first, as {@code GET /<app>/playlists} lists them. */
    public List<String> recordings(String app) {
        return recordings.list(app).stream().map(Recordings.Entry::name).toList();
    }

    Ingest ingest() { return ingest; }
    Egress egress() { return egress; }
    StreamMessaging messaging() { return messaging; }

    /** After the whole cluster is stopped: frees the per-stream video sources. */
    void disposeMedia() {
        ingest.disposeRelays();
    }

    private static String hostForUri(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
