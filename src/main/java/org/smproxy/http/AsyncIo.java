package org.smproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import javax.servlet.AsyncContext;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;

/**
 * Non-blocking request and response bodies for async servlets: a slow client never holds a container thread, and
 * a request body never grows past its cap.
 */
public final class AsyncIo {
    private AsyncIo() {
    }

    /** Reads the whole request body, failing with 413 as soon as it exceeds {@code maxBytes}. */
    public static CompletableFuture<byte[]> readBody(HttpServletRequest req, int maxBytes) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        long declared = req.getContentLengthLong();
        if (declared > maxBytes) {
            done.completeExceptionally(tooLarge(maxBytes));
            return done;
        }
        if (declared == 0) {
            done.complete(new byte[0]);
            return done;
        }
        try {
            ServletInputStream in = req.getInputStream();
            in.setReadListener(new BodyListener(in, maxBytes, declared, done));
        } catch (IOException | IllegalStateException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(413, "request body is larger than " + maxBytes + " bytes");
    }

    private static final class BodyListener implements ReadListener {
        private final ServletInputStream in;
        private final int maxBytes;
        private final ByteArrayOutputStream body;
        private final CompletableFuture<byte[]> done;
        private final byte[] chunk = new byte[8192];

        BodyListener(ServletInputStream in, int maxBytes, long declared, CompletableFuture<byte[]> done) {
            this.in = in;
            this.maxBytes = maxBytes;
            this.body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            this.done = done;
        }

        @Override
        public void onDataAvailable() throws IOException {
            while (!done.isDone() && in.isReady()) {
                int n = in.read(chunk);
                if (n < 0) {
                    return;
                }
                body.write(chunk, 0, n);
                if (body.size() > maxBytes) {
                    done.completeExceptionally(tooLarge(maxBytes));
                }
            }
        }

        @Override
        public void onAllDataRead() {
            done.complete(body.toByteArray());
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(new ApiException(400, "reading the request body failed: " + t.getMessage()));
        }
    }

    /** Writes a complete response body without blocking, then completes the async request. */
    public static void writeAndComplete(AsyncContext async, byte[] body) {
        try {
            ServletOutputStream out = async.getResponse().getOutputStream();
            out.setWriteListener(new WriteListener() {
                private boolean written;

                @Override
                public void onWritePossible() throws IOException {
                    if (!written) {
                        written = true;
                        // The container takes the whole (bounded) body and flushes it as the client drains it.
                        out.write(body);
                    }
                    if (out.isReady()) {
                        async.complete();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    async.complete(); // the client went away; nothing left to tell it
                }
            });
        } catch (IOException | IllegalStateException e) {
            async.complete();
        }
    }
}
