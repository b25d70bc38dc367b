/**
 * Simulated Red5 Pro nodes for tests and the demo: real WebRTC (webrtc-java), several nodes in one JVM.
 *
 * <pre>{@code
 * try (SimCluster cluster = new SimCluster(SimNodeConfig.defaults().nodeGroup("ng1")
 *         .proxy(URI.create("https://127.0.0.1:8443"), "node-secret"));
 *      SyntheticVideo camera = new SyntheticVideo(cluster.media(), 320, 240, 180)) {
 *     SimNode origin = cluster.startOrigin("origin-1");
 *     SimNode edge = cluster.startEdge("edge-1", origin);
 *     try (SimPublisher pub = SimPublisher.publish(cluster.media(), origin.whipEndpoint("live/stream1"),
 *              Map.of("mode", "live", "keyFramerate", "3000"), camera);
 *          SimPlayer player = SimPlayer.play(cluster.media(), edge.whepEndpoint("live/stream1", "sub-1"),
 *              Map.of("signal", "true"))) {
 *         // player.framesDecoded(), player.lastLuma() ~ 180, origin.framesDecoded("live/stream1")
 *     }
 * }
 * }</pre>
 *
 * Node side: {@link org.smproxy.sim.SimNode} speaks Red5's node URLs ({@code /<app>[/<room>]/whip|whep/endpoint|resource/<stream>})
 * with Red5's status codes, Red5's WebSocket signalling on the app's path
 * ({@code ws://node:port/<app>[/<room>]/?id=..}, JSON frames as the SDK's RTCPublisher/RTCSubscriber exchange
 * them) and heartbeats to
 * {@code <proxy>/as/v1/nodes/heartbeat}. Client side: {@link org.smproxy.sim.SimPublisher} and
 * {@link org.smproxy.sim.SimPlayer} (WHIP/WHEP), {@link org.smproxy.sim.SimWsPublisher} and
 * {@link org.smproxy.sim.SimWsPlayer} (WebSocket) follow what Red5's SDK sends, so they work against a node or
 * against the proxy:
 *
 * <pre>{@code
 * SimWsPublisher pub = SimWsPublisher.publish(media, origin.signallingUrl("live", "stream1"), "stream1", camera);
 * SimWsPlayer player = SimWsPlayer.play(media, URI.create("wss://proxy:8443/as/v1/proxy/ws/subscribe/live/stream1"
 *         + "?id=sub-1&nodeGroup=ng1"), "stream1", "sub-1");
 * player.awaitDataChannelAvailable(timeout);
 * player.switchChannel();   // media goes on; edge.wsHandshakes() shows what the proxy forwarded
 * }</pre>
 *
 * Live HLS: {@link org.smproxy.sim.SimNode#startHls} runs ffmpeg (a test pattern in 1 s TS segments) and the node
 * serves {@code /<app>[/<room>]/<stream>.m3u8} and its segments, counting requests per path
 * ({@link org.smproxy.sim.SimNode#hlsRequests(String)}); it needs ffmpeg on the PATH but no special network.
 *
 * Media needs a non-loopback interface ({@code /work/shared/tools/netns-run} provides one).
 */
package org.smproxy.sim;
