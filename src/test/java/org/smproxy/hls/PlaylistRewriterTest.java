package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

class PlaylistRewriterTest {
    static final URI NODE = URI.create("http://10.0.0.5:5080/live/cam.m3u8");

    static String proxify(URI u) {
        return u.getHost().equals("10.0.0.5") ? "/p" + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()) : null;
    }

    @Test
    void everyUriOnTheNodeComesBackThroughTheProxyAndOthersAreLeftAlone() {
        String in = String.join("\n",
                "#EXTM3U",
                "#EXT-X-VERSION:9",
                "#EXT-X-TARGETDURATION:1",
                "#EXT-X-MAP:URI=\"init.mp4\"",
                "#EXT-X-KEY:METHOD=AES-128,URI=\"/live/key.key?x=1\",IV=0x1",
                "#EXT-X-PART:DURATION=0.2,URI=\"cam_10.0.m4s\",INDEPENDENT=YES",
                "#EXTINF:1.0,",
                "cam_10.m4s",
                "#EXTINF:1.0,",
                "http://10.0.0.5:5080/live/cam_11.m4s",
                "#EXTINF:1.0,",
                "https://cdn.example/cam_12.m4s",
                "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"cam_13.0.m4s\"",
                "#EXT-X-RENDITION-REPORT:URI=\"../low/cam.m3u8\",LAST-MSN=12",
                "");
        String out = PlaylistRewriter.rewrite(in, NODE, PlaylistRewriterTest::proxify);
        assertThat(out).contains("#EXT-X-MAP:URI=\"/p/live/init.mp4\"")
                .contains("URI=\"/p/live/key.key?x=1\",IV=0x1")
                .contains("#EXT-X-PART:DURATION=0.2,URI=\"/p/live/cam_10.0.m4s\",INDEPENDENT=YES")
                .contains("\n/p/live/cam_10.m4s\n")
                .contains("\n/p/live/cam_11.m4s\n")
                .contains("\nhttps://cdn.example/cam_12.m4s\n")
                .contains("URI=\"/p/live/cam_13.0.m4s\"")
                .contains("#EXT-X-RENDITION-REPORT:URI=\"/p/low/cam.m3u8\",LAST-MSN=12")
                .startsWith("#EXTM3U\n#EXT-X-VERSION:9\n")
                .endsWith("\n");
        assertThat(out.lines().count()).isEqualTo(in.lines().count());
    }

    @Test
    void variantPlaylistsPointAtProxiedMediaPlaylists() {
        String in = "#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=800000\r\nlow/cam.m3u8\r\n"
                + "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio/cam.m3u8\"\r\n";
        String out = PlaylistRewriter.rewrite(in, NODE, PlaylistRewriterTest::proxify);
        assertThat(out).contains("\n/p/live/low/cam.m3u8\n").contains("URI=\"/p/live/audio/cam.m3u8\"");
    }
}
