package smbench;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.util.List;

import javax.net.ssl.SSLEngine;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/** Transport and TLS set-up shared by the clients and stubs: epoll and BoringSSL when available. */
final class Net {
    private Net() {
    }

    static final boolean EPOLL = Epoll.isAvailable();

    static EventLoopGroup group(int threads) {
        return EPOLL ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
    }

    static Bootstrap client(EventLoopGroup group) {
        return new Bootstrap().group(group).channel(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    }

    static Class<? extends io.netty.channel.ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * A client TLS context trusting the benchmark's self-signed certificate. {@code resumable}: sessions are cached
     * per host and port (TLS 1.3 tickets) so the next connection resumes; otherwise every connection does a full
     * handshake.
     */
    static SslContext clientTls(boolean resumable) throws Exception {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols("TLSv1.3", "TLSv1.2");
        if (!resumable) {
            b.sessionCacheSize(1);
        }
        return b.build();
    }

    static String tlsProvider() {
        return OpenSsl.isAvailable() ? "BoringSSL " + OpenSsl.versionString() : "JDK";
    }

    static InetSocketAddress local(List<String> sources, int i) {
        return sources.isEmpty() ? null : new InetSocketAddress(sources.get(i % sources.size()), 0);
    }

    private static Method reused;

    /** Whether the engine's handshake resumed a session (BoringSSL engines only; false otherwise). */
    static boolean sessionReused(SSLEngine engine) {
        try {
            if (reused == null) {
                Class<?> c = Class.forName("io.netty.handler.ssl.ReferenceCountedOpenSslEngine");
                Method m = c.getDeclaredMethod("isSessionReused");
                m.setAccessible(true);
                reused = m;
            }
            return reused.getDeclaringClass().isInstance(engine) && (Boolean) reused.invoke(engine);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
