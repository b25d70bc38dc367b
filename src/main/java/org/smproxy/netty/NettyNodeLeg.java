package org.smproxy.netty;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import org.smproxy.http.NodeLeg;
import org.smproxy.http.UpstreamException;

/** The core's node leg on one event loop's {@link NodePool}: answers complete on that loop, the client's own. */
final class NettyNodeLeg implements NodeLeg {
    private final NodePool pool;

    NettyNodeLeg(NodePool pool) {
        this.pool = pool;
    }

    @Override
    public CompletableFuture<Answer> send(Request r) {
        FullHttpRequest p2n = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(r.method()), r.target(),
                Unpooled.wrappedBuffer(r.body()));
        HttpHeaders out = p2n.headers();
        out.set(HttpHeaderNames.HOST, r.host() + ":" + r.port());
        for (Map.Entry<String, String> h : r.headers()) {
            out.add(h.getKey(), h.getValue());
        }
        if (r.body().length > 0 || "POST".equals(r.method()) || "PATCH".equals(r.method())) {
            out.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        }
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        pool.send(stripBrackets(r.host()), r.port(), r.nodeName(), p2n, r.timeoutMillis(), new NodePool.Callback() {
            @Override
            public void answered(FullHttpResponse n2p) {
                try {
                    HttpHeaders headers = n2p.headers();
                    answer.complete(new Answer(n2p.status().code(), headers::getAll, ByteBufUtil.getBytes(n2p.content())));
                } finally {
                    n2p.release();
                }
            }

            @Override
            public void failed(UpstreamException failure) {
                answer.completeExceptionally(failure);
            }
        });
        return answer;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
