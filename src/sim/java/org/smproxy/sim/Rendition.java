package org.smproxy.sim;

/**
 * One stream a transcoder makes, as a provision's {@code streams[]} entry names it.
 *
 * @param width  0 (with height 0) when the provision gives no size: the source's picture is sent as it comes
 */
record Rendition(String streamGuid, int width, int height, int bitRate) {

    boolean scales() {
        return width > 0 && height > 0;
    }
}
