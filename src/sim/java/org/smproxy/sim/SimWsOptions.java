package org.smproxy.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the WebSocket test clients connect and negotiate.
 *
 * @param dataChannel   open/ask for Red5's {@code red5pro} signalling channel (the SDK does in every browser
 *                      that has data channels), needed for {@code switchChannel}
 * @param subprotocols  offered on the upgrade; browsers running the SDK offer none, Stream Manager offers {@code json}
 * @param headers       extra upgrade request headers ({@code User-Agent} by default)
 * @param timeout       bound of each signalling step
 * @param videoEncoding the player's {@code videoEncoding} on {@code requestOffer} (e.g. {@code VP8}, {@code H264});
 *                      null sends none, as the SDK does for its default {@code NONE}
 */
public record SimWsOptions(boolean dataChannel, List<String> subprotocols, Map<String, String> headers,
                           Duration timeout, String videoEncoding) {

    public static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) smproxy-sim-ws/1.0";

    public SimWsOptions {
        subprotocols = List.copyOf(subprotocols);
        headers = Map.copyOf(headers);
    }

    public static SimWsOptions defaults() {
        return new SimWsOptions(true, List.of(), Map.of("User-Agent", USER_AGENT), Duration.ofSeconds(10), null);
    }

    public SimWsOptions withDataChannel(boolean value) {
        return new SimWsOptions(value, subprotocols, headers, timeout, videoEncoding);
    }

    public SimWsOptions withSubprotocols(String... values) {
        return new SimWsOptions(dataChannel, List.of(values), headers, timeout, videoEncoding);
    }

    public SimWsOptions withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new SimWsOptions(dataChannel, subprotocols, h, timeout, videoEncoding);
    }

    public SimWsOptions withTimeout(Duration value) {
        return new SimWsOptions(dataChannel, subprotocols, headers, value, videoEncoding);
    }

    public SimWsOptions withVideoEncoding(String value) {
        return new SimWsOptions(dataChannel, subprotocols, headers, timeout, value);
    }
}
