package org.smproxy.netty;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;

import org.smproxy.http.HttpIn;

/** A whole Netty request, read by the core. The body is copied once: SDP is small and the core reads it as text. */
final class NettyIn implements HttpIn {
    private final FullHttpRequest req;
    private final InetSocketAddress remote;
    private final String path;
    private final String rawQuery;
    private final byte[] body;
    private final boolean secure;

    NettyIn(FullHttpRequest req, InetSocketAddress remote, boolean secure) {
        this.req = req;
        this.secure = secure;
        this.remote = remote;
        String uri = req.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q);
        this.rawQuery = q < 0 ? null : uri.substring(q + 1);
        this.body = ByteBufUtil.getBytes(req.content());
    }

    @Override
    public String method() {
        return req.method().name();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public String header(String name) {
        return req.headers().get(name);
    }

    @Override
    public String remoteAddress() {
        return remote.getAddress().getHostAddress();
    }

    @Override
    public int remotePort() {
        return remote.getPort();
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public byte[] body() {
        return body;
    }
}
