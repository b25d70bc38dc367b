package smbench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * The WebSocket stub node: accepts an upgrade on any path (Red5 nodes serve signalling on {@code /<app>/}), agrees
 * to the {@code json} subprotocol when asked, and echoes every text and binary frame. Plain ws, as nodes are.
 */
final class WsEcho {
    private WsEcho() {
    }

    static void main(Args a) throws Exception {
        String bind = a.str("bind", "127.0.0.1");
        int port = a.integer("port", 8082);
        double maxSeconds = a.dbl("max-seconds", 3600);
        EventLoopGroup boss = Net.group(1);
        EventLoopGroup workers = Net.group(a.integer("threads", 1));
        WebSocketServerProtocolConfig cfg = WebSocketServerProtocolConfig.newBuilder().websocketPath("/")
                .checkStartsWith(true).subprotocols("json").allowExtensions(false).maxFramePayloadLength(65536)
                .handleCloseFrames(true).dropPongFrames(true).build();
        Channel server = new ServerBootstrap().group(boss, workers).channel(Net.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                new WebSocketServerProtocolHandler(cfg), new Echo());
                    }
                }).bind(bind, port).sync().channel();
        System.out.println("READY ws-echo ws://" + bind + ":" + port + "/");
        System.out.flush();
        // Bounded: a stub left behind stops by itself.
        server.closeFuture().await((long) (maxSeconds * 1000));
        server.close().await();
        boss.shutdownGracefully();
        workers.shutdownGracefully();
    }

    @io.netty.channel.ChannelHandler.Sharable
    static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        Echo() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            ctx.writeAndFlush(frame); // text or binary, as it came
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
