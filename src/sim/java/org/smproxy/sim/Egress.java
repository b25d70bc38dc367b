package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.VideoTrack;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.smproxy.sim.NodeException.Reason;

/** The play side of a node: WHEP sessions keyed by (stream, requestId), as Red5 keys them. */
final class Egress {

    private record Key(String streamGuid, String requestId) {
    }

    /**
     * What a player asks of the node's offer.
     *
     * @param signal        offer Red5's {@code red5pro} data channel
     * @param tcp           gather TCP candidates too ({@code transport=tcp})
     * @param videoEncoding the player's {@code videoEncoding} as sent, null when none
     */
    record Play(boolean signal, boolean tcp, String videoEncoding) {
    }

    private final SimMedia media;
    private final ConcurrentMap<Key, WhepSession> sessions = new ConcurrentHashMap<>();

    Egress(SimMedia media) {
        this.media = media;
    }

    /** Creates the subscriber and returns the node's offer. */
    String subscribe(String streamGuid, String requestId, VideoTrack video, Play play) throws NodeException {
        Key key = new Key(streamGuid, requestId);
        WhepSession session = new WhepSession(media, streamGuid, requestId, play.tcp(), this::drop);
        if (sessions.putIfAbsent(key, session) != null) {
            session.close();
            throw new NodeException(Reason.DOUBLE_POST, "offer already sent for requestId " + requestId);
        }
        try {
            return session.offer(video, play);
        } catch (SdpException e) {
            drop(session);
            throw new NodeException(Reason.CREATION_FAILED, "playback failed during creation: " + e.getMessage());
        }
    }

    Optional<WhepSession> session(String streamGuid, String requestId) {
        return Optional.ofNullable(sessions.get(new Key(streamGuid, requestId)));
    }

    boolean unsubscribe(String streamGuid, String requestId) {
        WhepSession session = sessions.remove(new Key(streamGuid, requestId));
        if (session == null) {
            return false;
        }
        session.close();
        return true;
    }

    int count() {
        return sessions.size();
    }

    int count(String streamGuid) {
        return (int) sessions.keySet().stream().filter(k -> k.streamGuid().equals(streamGuid)).count();
    }

    Set<String> streams() {
        Set<String> streams = new TreeSet<>();
        sessions.keySet().forEach(k -> streams.add(k.streamGuid()));
        return streams;
    }

    void closeAll() {
        sessions.keySet().forEach(k -> unsubscribe(k.streamGuid(), k.requestId()));
    }

    private void drop(WhepSession session) {
        sessions.remove(new Key(session.streamGuid(), session.requestId()), session);
        session.close();
    }
}
