package org.smproxy.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.smproxy.cluster.ClusterException;
import org.smproxy.http.ApiException;

/** The HLS parsers a viewer reaches, and the playlist rewriting a node's answer goes through, under arbitrary input. */
class HlsPropertiesTest {
    private static final URI NODE = URI.create("http://10.0.0.5:5080/live/cam.m3u8");

    @Provide
    Arbitrary<String> hlsPaths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings().withChars("aZ09._-~%/\\:?#").ofMaxLength(16),
                Arbitraries.of("n", "..", ".", "", "live", "cam.m3u8", "cam_1.ts", "x.m4s", "a.exe", "eyJ.x.y", "init.mp4"));
        return segment.list().ofMaxSize(8).map(l -> String.join("/", l));
    }

    @Property(tries = 3000)
    void anHlsPathIsAStreamOrARoutedFileWithAKnownExtensionOrA4xx(@ForAll("hlsPaths") String below,
                                                                   @ForAll("routeTokens") String token) {
        HlsPath p;
        try {
            p = HlsPath.parse(below, token);
        } catch (ApiException e) {
            assertThat(e.status()).isBetween(400, 499);
            return;
        } catch (ClusterException.InvalidRequest e) {
            return;
        }
        if (p.stream() != null) {
            assertThat(below).isEqualTo(p.stream().value() + ".m3u8");
        } else {
            assertThat(p.nodePath()).startsWith("/").doesNotContain("/../").doesNotContain("//").doesNotEndWith("/..");
            assertThat(token).isNotNull();
            assertThat(p.token()).isEqualTo(token);
            assertThat(below).isEqualTo(HlsPath.ROUTED + p.nodePath().substring(1));
        }
    }

    @Provide
    Arbitrary<String> routeTokens() {
        return Arbitraries.oneOf(Arbitraries.of("", "eyJ.x.y"), Arbitraries.strings().ofMaxLength(20)).injectNull(0.4);
    }

    @Provide
    Arbitrary<String> playlists() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.of("#EXTM3U", "#EXT-X-VERSION:6", "#EXTINF:2.0,", "", "cam_1.ts", "/live/cam_2.ts",
                        "http://10.0.0.5:5080/live/cam_3.ts", "https://cdn.example/x.ts", "#EXT-X-MAP:URI=\"init.mp4\"",
                        "#EXT-X-PART:DURATION=0.5,URI=\"p1.m4s\"", "#EXT-X-KEY:METHOD=AES-128,URI=\"k?x=1\"", "low/cam.m3u8",
                        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p2.m4s\"", "http://[bad", "%zz", " cam_4.ts "),
                Arbitraries.strings().ofMaxLength(40));
        return line.list().ofMaxSize(30).map(l -> String.join(Arbitraries.of("\n", "\r\n").sample(), l));
    }

    @Property(tries = 1000)
    void rewritingKeepsTheLinesAndTagsAndSendsOnlyTheNodesUrisThroughTheProxy(@ForAll("playlists") String playlist) {
        String out = PlaylistRewriter.rewrite(playlist, NODE,
                u -> "10.0.0.5".equals(u.getHost()) ? "/p" + u.getRawPath() : null);
        List<String> in = List.of(playlist.split("\r?\n", -1));
        List<String> rewritten = List.of(out.split("\n", -1));
        assertThat(rewritten).hasSameSizeAs(in);
        for (int i = 0; i < in.size(); i++) {
            String before = in.get(i).trim();
            String after = rewritten.get(i);
            if (before.startsWith("#")) {
                assertThat(after).as("a tag keeps its name").startsWith(before.contains(":")
                        ? before.substring(0, before.indexOf(':') + 1) : before);
            } else if (!before.isEmpty()) {
                assertThat(after).as(before).doesNotContain("10.0.0.5");
                if (before.startsWith("https://cdn.example")) {
                    assertThat(after).as("another host stays as it is").isEqualTo(before);
                }
            }
        }
    }
}
