package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.VideoTrack;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.smproxy.sim.NodeException.Reason;

/** The publish side of a node: at most one WHIP session per stream, each feeding that stream's relay. */
final class Ingest {

    private final SimMedia media;
    private final ConcurrentMap<String, WhipSession> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, StreamRelay> relays = new ConcurrentHashMap<>();
    private final Consumer<String> onUnpublished;
    private final BiFunction<String, PublishMode, Optional<PublishedHls>> hlsFor;

    /**
     * @param onUnpublished told the stream GUID whenever a publish ends, however it ends
     * @param hlsFor        the HLS a new publish feeds with its frames, if the node makes one for it
     */
    Ingest(SimMedia media, Consumer<String> onUnpublished, Function<String, Optional<PublishedHls>> hlsFor) {
        this(media, onUnpublished, (guid, mode) -> hlsFor.apply(guid));
    }

    /** @param hlsFor as above, told the publish's mode so that it can record it too */
    Ingest(SimMedia media, Consumer<String> onUnpublished,
           BiFunction<String, PublishMode, Optional<PublishedHls>> hlsFor) {
        this.media = media;
        this.onUnpublished = onUnpublished;
        this.hlsFor = hlsFor;
    }

    /** Starts a publish and returns the non-trickle answer; the stream counts as published from here on. */
    String publish(String streamGuid, String offerSdp, boolean tcp) throws NodeException {
        return publish(streamGuid, offerSdp, tcp, PublishMode.LIVE);
    }

    /** As above, recorded unless {@code mode} is live. */
    String publish(String streamGuid, String offerSdp, boolean tcp, PublishMode mode) throws NodeException {
        StreamRelay relay = relays.computeIfAbsent(streamGuid, g -> new StreamRelay(media.factory(), g));
        WhipSession session = new WhipSession(media, streamGuid, relay, tcp, this::drop);
        if (sessions.putIfAbsent(streamGuid, session) != null) {
            session.close();
            throw new NodeException(Reason.ALREADY_PUBLISHING, "stream " + streamGuid + " is already publishing");
        }
        try {
            String answer = session.answer(offerSdp);
            relay.hls(hlsFor.apply(streamGuid, mode).orElse(null));
            return answer;
        } catch (SdpException e) {
            drop(session);
            throw new NodeException(Reason.BAD_OFFER, "invalid offer SDP: " + e.getMessage());
        }
    }

    Optional<WhipSession> session(String streamGuid) {
        return Optional.ofNullable(sessions.get(streamGuid));
    }

    boolean unpublish(String streamGuid) {
        WhipSession session = sessions.remove(streamGuid);
        if (session == null) {
            return false;
        }
        session.close();
        ended(streamGuid);
        return true;
    }

    /** The track subscribers send, only while someone publishes the stream. */
    Optional<VideoTrack> liveTrack(String streamGuid) {
        return sessions.containsKey(streamGuid)
                ? Optional.ofNullable(relays.get(streamGuid)).map(StreamRelay::track)
                : Optional.empty();
    }

    long framesDecoded(String streamGuid) {
        StreamRelay relay = relays.get(streamGuid);
        return relay == null ? 0 : relay.framesDecoded();
    }

    Set<String> publishing() {
        return new TreeSet<>(sessions.keySet());
    }

    int count() {
        return sessions.size();
    }

    void closeAll() {
        sessions.keySet().forEach(this::unpublish);
    }

    /** After every peer that might send a relay's track is closed (the whole cluster is down). */
    void disposeRelays() {
        relays.values().forEach(StreamRelay::dispose);
        relays.clear();
    }

    private void drop(WhipSession session) {
        boolean wasLive = sessions.remove(session.streamGuid(), session);
        session.close();
        if (wasLive) {
            ended(session.streamGuid());
        }
    }

    private void ended(String streamGuid) {
        StreamRelay relay = relays.get(streamGuid);
        if (relay != null) {
            relay.hls(null);
        }
        onUnpublished.accept(streamGuid);
    }
}
