package org.smproxy.sim.demo;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.smproxy.browser.Browser.Page;
import org.smproxy.browser.HlsWatch;

/** The demo page's controls as a user works them, for the page ITs of the single proxy and of the tier. */
final class DemoPageControls {
    /** A first play on a busy 2-core machine: ICE, the first key frame, hls.js's first segments. */
    static final Duration MEDIA = Duration.ofSeconds(25);

    private DemoPageControls() {
    }

    static void setUp(Page page, String stream, String signalling) {
        page.script("document.getElementById('stream').value = arguments[0];", stream);
        select(page, "source", "camera"); // Chromium's fake camera
        select(page, "signalling", signalling);
    }

    static void select(Page page, String id, String value) {
        page.script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                + " s.dispatchEvent(new Event('change'));", id, value);
    }

    static void click(Page page, String id) {
        page.script("document.getElementById(arguments[0]).click();", id);
    }

    /** The element's text, or null while the page has not drawn it. */
    static String text(Page page, String id) {
        return (String) page.script("const e = document.getElementById(arguments[0]); return e ? e.textContent : null;", id);
    }

    static void awaitText(Page page, String id, String part) {
        await().atMost(MEDIA).until(() -> text(page, id), t -> t != null && t.contains(part));
    }

    /** Video plays: more than a few frames decoded and shown. */
    static void awaitRenderedFrames(Page page) {
        await().atMost(MEDIA).until(() -> renderedFrames(page) > 10);
    }

    /** Watches the page's player as a viewer does ({@link HlsWatch}): tens of seconds of live HLS, keeping up. */
    static void watchHls(Page page, String what) {
        HlsWatch.watch(what, () -> page.call("playerStats"));
    }

    /**
     * Types a message to the viewers and sends it, again while the publisher's channel is not open yet (the page
     * keeps the text then), until the player's list shows it: what a person sees.
     */
    static void sendAndAwaitMessage(Page page, String message) {
        page.script("document.getElementById('message').value = arguments[0];", message);
        await().atMost(MEDIA).until(() -> {
            page.script("const m = document.getElementById('message');"
                    + " if (m.value) document.getElementById('message-form').requestSubmit();");
            String got = text(page, "messages");
            return got != null && got.contains("incomingNotification: " + message);
        });
    }

    static long renderedFrames(Page page) {
        Object n = page.script("return document.getElementById('remote').getVideoPlaybackQuality().totalVideoFrames;");
        return n instanceof Number v ? v.longValue() : 0;
    }
}
