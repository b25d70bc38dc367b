package org.smproxy.sim;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a client asked the node to hold back, as Red5's SDK asks it: {@code {mute:{muteAudio:bool}}},
 * {@code {mute:{muteVideo:bool}}} or both at once (a subscriber's standby). An absent key leaves that side as it was.
 */
final class Muting {

    private volatile boolean audio;
    private volatile boolean video;

    synchronized void update(JsonNode mute) {
        if (mute.has("muteAudio")) {
            audio = mute.get("muteAudio").asBoolean();
        }
        if (mute.has("muteVideo")) {
            video = mute.get("muteVideo").asBoolean();
        }
    }

    boolean video() {
        return video;
    }

    /** The {@code streamingMode} Red5's SDK reads from {@code onMetaData}: {@code Video/Audio}, one, or {@code Empty}. */
    String streamingMode() {
        if (audio && video) {
            return "Empty";
        }
        return audio ? "Video" : video ? "Audio" : "Video/Audio";
    }
}
