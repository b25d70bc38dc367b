package org.smproxy.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import javax.servlet.AsyncContext;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;
import org.smproxy.http.ApiException;

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
        private final CompletableFuture<byte[]> done;
        /** With a declared length (the usual SDP POST), the body is read straight into an array of that size. */
        private final byte[] exact;
        private int filled;
        private final ByteArrayOutputStream body;
        private final byte[] chunk;

        BodyListener(ServletInputStream in, int maxBytes, long declared, CompletableFuture<byte[]> done) {
            this.in = in;
            this.maxBytes = maxBytes;
            this.done = done;
            this.exact = declared > 0 ? new byte[(int) declared] : null;
            this.body = exact == null ? new ByteArrayOutputStream(1024) : null;
            this.chunk = exact == null ? new byte[8192] : null;
        }

        @Override
        public void onDataAvailable() throws IOException {
            if (exact != null) {
                // the container stops at the declared length; more than that never arrives here
                while (!done.isDone() && filled < exact.length && in.isReady()) {
                    int n = in.read(exact, filled, exact.length - filled);
                    if (n < 0) {
                        return;
                    }
                    filled += n;
                }
                return;
            }
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
            if (exact != null) {
                done.complete(filled == exact.length ? exact : Arrays.copyOf(exact, filled));
            } else {
                done.complete(body.toByteArray());
            }
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
