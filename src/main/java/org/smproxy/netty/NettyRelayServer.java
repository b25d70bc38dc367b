package org.smproxy.netty;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smproxy.config.ConfigException;
import org.smproxy.config.Networks;
import org.smproxy.config.ProxyConfig;
import org.smproxy.http.ApiException;
import org.smproxy.http.Cors;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;
import org.smproxy.http.RouteTable;
import org.smproxy.ws.SessionRegistry;
import org.smproxy.ws.WsRouter;

/**
 * The HTTPS listener on Netty, serving the {@link RouteTable}: one event loop per core that accepts, reads the
 * client, talks to the node through its own keep-alive pool and answers, with no thread hand-off on the way; epoll
 * and BoringSSL where their natives load, NIO and JDK TLS otherwise (said once in the log).
 *
 * <p>Use: {@code NettyRelayServer.start(...)} beside the servlet server, then {@link #close()}.
 */
public final class NettyRelayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NettyRelayServer.class);
    /** Per node and loop: the bench's 64 client connections on two loops use about 32 each. */
    static final int MAX_IDLE_PER_NODE = 128;
    /** Below nginx's and Red5's keep-alive timeouts (60-75 s), so the proxy, not the node, closes idle connections. */
    static final int NODE_IDLE_SECONDS = 30;

    /** Tomcat's defaults: room for the core's own query limit (4 KiB, a 414 with a reason) plus the path. */
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 8192;
    /** How long a connection refused for its body size keeps discarding that body before it closes. */
    static final int LINGER_SECONDS = 2;

    /** The TLS identity, as the Tomcat connector reads it. */
    public record Keys(Path file, String password, String type) {
    }

    /** An HTTP client connection with no request in progress for this long is closed (nginx keeps 75 s, Tomcat 20). */
    static final int CLIENT_IDLE_SECONDS = 60;

    private final EventLoopGroup loops;
    private final Channel listener;
    /** The plain-HTTP listener (for load balancers that end TLS themselves), or null. */
    private final Channel plain;

    private NettyRelayServer(EventLoopGroup loops, Channel listener, Channel plain) {
        this.loops = loops;
        this.listener = listener;
        this.plain = plain;
    }

    public static NettyRelayServer start(ProxyConfig config, String bind, int port, Keys keys, RouteTable routes,
                                         WsRouter wsRouter, SessionRegistry wsSessions)
            throws IOException {
        return start(config, bind, port, keys, -1, routes, wsRouter, wsSessions);
    }

    /**
     * The HTTPS listener on {@code port} and, when {@code plainPort} is 0 or more, a plain-HTTP one on the same
     * event loops, both serving {@code routes}.
     */
    public static NettyRelayServer start(ProxyConfig config, String bind, int port, Keys keys, int plainPort,
                                         RouteTable routes, WsRouter wsRouter, SessionRegistry wsSessions)
            throws IOException {
        SslContext tls = tlsContext(keys);
        boolean epoll = Epoll.isAvailable();
        if (!epoll) {
            log.info("Netty listener: epoll unavailable ({}), using NIO", Epoll.unavailabilityCause().toString());
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends SocketChannel> nodeType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("smproxy-netty", true), io);
        try {
            ProxyConfig.Relay settings = config.relay();
            Map<EventLoop, NettyNodeLeg> legs = new IdentityHashMap<>();
            for (EventExecutor e : loops) {
                legs.put((EventLoop) e, new NettyNodeLeg(new NodePool((EventLoop) e, nodeType,
                        (int) settings.connectTimeout().toMillis(), settings.maxBodyBytes() * 4, MAX_IDLE_PER_NODE,
                        NODE_IDLE_SECONDS)));
            }
            WsRelay.Shared ws = new WsRelay.Shared(wsSessions, config.webSocket(),
                    (int) settings.connectTimeout().toMillis(), nodeType);
            Cors cors = new Cors(settings.allowedOrigins());
            Map<EventLoop, NettyNodeLeg> sharedLegs = Collections.unmodifiableMap(legs);
            Channel listener = listen(loops, serverType, bind, port, tls, config.client(), config.limits().trustedProxies(),
                    new RequestHandler.Shared(routes, cors, sharedLegs, wsRouter, ws, true));
            Channel plain = plainPort < 0 ? null : listen(loops, serverType, bind, plainPort, null, config.client(), config.limits().trustedProxies(),
                    new RequestHandler.Shared(routes, cors, sharedLegs, wsRouter, ws, false));
            log.info("Netty listener (the APIs, WHIP/WHEP, HLS and WebSocket relays, {} routes) on {}{} with {} and {}, {} event loops",
                    routes.routes().size(), listener.localAddress(), plain == null ? "" : " and plain HTTP on " + plain.localAddress(),
                    epoll ? "epoll" : "NIO", OpenSsl.isAvailable() ? "BoringSSL" : "JDK TLS", legs.size());
            return new NettyRelayServer(loops, listener, plain);
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Netty's pooled buffers live outside the JDK's direct-buffer pool (no Cleaner), so the JVM's own buffer metrics
     * do not see them; this gauge does. Registering it twice is harmless (Micrometer keeps the first).
     */
    public static void meterDirectMemory(io.micrometer.core.instrument.MeterRegistry registry) {
        io.micrometer.core.instrument.Gauge.builder("smproxy.netty.direct.memory",
                        io.netty.util.internal.PlatformDependent::usedDirectMemory)
                .baseUnit("bytes").description("direct memory held by Netty's buffers").register(registry);
    }

    /** One listening socket; {@code tls} null for plain HTTP. A port in use fails here, with the address in the message. */
    private static Channel listen(EventLoopGroup loops, Class<? extends ServerChannel> serverType, String bind, int port,
                                  SslContext tls, ProxyConfig.ClientTimeouts timeouts, Networks trusted,
                                  RequestHandler.Shared shared) {
        RouteTable routes = shared.routes();
        ConnectionCap cap = new ConnectionCap(timeouts.maxConnectionsPerAddress(), trusted);
        ServerBootstrap b = new ServerBootstrap().group(loops).channel(serverType)
                .option(ChannelOption.SO_BACKLOG, 1000)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(cap);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        RequestTimer timer = new RequestTimer(timeouts.header().toMillis(), timeouts.body().toMillis());
                        ch.pipeline().addLast(HTTP_IDLE, new IdleStateHandler(0, 0, CLIENT_IDLE_SECONDS, java.util.concurrent.TimeUnit.SECONDS));
                        ch.pipeline().addLast(RequestTimer.BYTES, timer.new Bytes());
                        ch.pipeline().addLast(new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192));
                        ch.pipeline().addLast(RequestTimer.MESSAGES, timer.new Messages());
                        ch.pipeline().addLast(new BoundedAggregator(routes), new RequestHandler(shared));
                    }
                });
        io.netty.channel.ChannelFuture bound = b.bind(new InetSocketAddress(bind, port)).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new ConfigException("cannot listen on " + bind + ":" + port + " (in use, or not an address of this "
                    + "machine?): " + bound.cause().getMessage());
        }
        return bound.channel();
    }

    /** The name of the HTTP connection's idle handler, which a WebSocket upgrade replaces with its own. */
    static final String HTTP_IDLE = "http-idle";

    /** BoringSSL (netty-tcnative) when its native library loads, else the JDK's TLS, with a log line saying why. */
    static SslContext tlsContext(Keys keys) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(keys.type());
            try (InputStream in = Files.newInputStream(keys.file())) {
                store.load(in, keys.password().toCharArray());
            }
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                PrivateKey key = (PrivateKey) store.getKey(alias, keys.password().toCharArray());
                Certificate[] chain = store.getCertificateChain(alias);
                X509Certificate[] x509 = Arrays.copyOf(chain, chain.length, X509Certificate[].class);
                SslProvider provider = SslProvider.JDK;
                if (OpenSsl.isAvailable()) {
                    provider = SslProvider.OPENSSL;
                } else {
                    log.info("Netty listener: BoringSSL unavailable ({}), using the JDK's TLS",
                            String.valueOf(OpenSsl.unavailabilityCause()));
                }
                return SslContextBuilder.forServer(key, x509).sslProvider(provider).build();
            }
            throw new ConfigException("'standalone.keystore.file' " + keys.file() + " holds no private key");
        } catch (GeneralSecurityException e) {
            throw new ConfigException("'standalone.keystore.file' " + keys.file() + " cannot be used: " + e.getMessage());
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The plain-HTTP port, or -1 without one. */
    public int plainPort() {
        return plain == null ? -1 : ((InetSocketAddress) plain.localAddress()).getPort();
    }

    /** Until the listener closes: what the standalone launcher's main thread waits on. */
    public void awaitClose() {
        listener.closeFuture().syncUninterruptibly();
    }

    @Override
    public void close() {
        if (plain != null) {
            plain.close().syncUninterruptibly();
        }
        listener.close().syncUninterruptibly();
        loops.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Bodies are bounded by their route (an SDP's limit for WHIP/WHEP, a heartbeat's for the node API): past it, the
     * servlet adapter's 413 with its JSON body, and the connection closes.
     */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final RouteTable routes;
        private int limit;

        BoundedAggregator(RouteTable routes) {
            super(Math.max(1, routes.maxBodyBytes()));
            this.routes = routes;
        }

        @Override
        protected boolean isContentLengthInvalid(HttpMessage start, int maxContentLength) {
            limit = limitFor(start, maxContentLength);
            return HttpUtil.getContentLength(start, -1L) > limit;
        }

        /** The route's limit; a path no route serves keeps the listener's, so the client learns of the path, not the size. */
        private int limitFor(HttpMessage start, int listenerLimit) {
            if (start instanceof HttpRequest req) {
                try {
                    String uri = req.uri();
                    int q = uri.indexOf('?');
                    RouteTable.Match m = routes.match(RequestHandler.decodePath(q < 0 ? uri : uri.substring(0, q)));
                    if (m != null) {
                        return m.endpoint().maxBodyBytes();
                    }
                } catch (ApiException unroutable) {
                    // the request handler answers with the reason
                }
            }
            return listenerLimit;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            var response = RequestHandler.toNetty(HttpOut.error(RequestHandler.tooLarge(limit), ErrorDialect.SM2,
                    System.currentTimeMillis()));
            response.headers().set("Connection", "close");
            // The rest of the body may still be on its way, and closing on it would reset the connection before the
            // client reads the answer. So: answer, stop writing, let the aggregator discard what still comes, and
            // close when the client does or after a short linger.
            ctx.writeAndFlush(response).addListener(f -> {
                if (ctx.channel() instanceof io.netty.channel.socket.DuplexChannel duplex) {
                    duplex.shutdownOutput();
                }
                ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            });
        }
    }
}
