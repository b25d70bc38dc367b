package org.smproxy.netty;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.Networks;

/**
 * At most so many open connections from one address, so one host cannot take the listener's file descriptors and
 * memory for itself; a connection past it is closed at once, before TLS costs anything. Load balancers listed in
 * {@code proxy.trustedProxies} carry everyone's connections and are not capped. One instance per listener, shared by
 * its connections.
 */
@ChannelHandler.Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
    private final int max;
    private final Networks exempt;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ConnectionCap(int max, Networks exempt) {
        this.max = max;
        this.exempt = exempt;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (!exempt.isEmpty() && exempt.contains(from)) {
            ctx.pipeline().remove(this);
            super.channelActive(ctx);
            return;
        }
        if (open.merge(from, 1, Integer::sum) > max) {
            release(from);
            log.debug("{} holds {} connections already: refused one more (proxy.client.maxConnectionsPerAddress)",
                    from.getHostAddress(), max);
            ctx.pipeline().remove(this); // counted out already; its inactive event must not count it out again
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        release(from);
        super.channelInactive(ctx);
    }

    /** Atomic per address; an address whose last connection closes takes no memory with it. */
    private void release(InetAddress from) {
        open.computeIfPresent(from, (a, n) -> n <= 1 ? null : n - 1);
    }
}
