package org.smproxy.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Static files the APIs serve from the jar (the console, the OpenAPI document), read once at start-up. */
final class JarFiles {
    private JarFiles() {
    }

    /** @throws IllegalStateException when the jar lacks it: a broken build, said at start-up rather than as a 404 */
    static byte[] read(String resource) {
        try (InputStream in = JarFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
