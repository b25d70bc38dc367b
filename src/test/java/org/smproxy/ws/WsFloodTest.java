package org.smproxy.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.smproxy.testing.EchoWsNode;
import org.smproxy.testing.TestProxy;

/**
 * A client flooding a WebSocket session with small messages is cut with 1008, on each adapter. Apart from
 * WsRelayTest, whose node must see no errors: a node cut off mid-flood may see a broken pipe as it closes, which is
 * the flood's doing, not the relay's.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"servlet", "netty"})
class WsFloodTest {
    static final String SECRET = "ws-flood-nodes-0123456789";

    @TempDir
    static Path dir;
    static TestProxy proxy;
    static EchoWsNode node;

    @Parameter
    String adapter;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(Files.createDirectories(dir.resolve("p")), "{\"nodeGroups\":[{\"name\":\"ng1\"}]}", Map.of(
                "proxy.enabled", "true", "cluster.heartbeat.timeout", "10m", "api.node.secret", SECRET,
                "standalone.server", "tomcat", "standalone.netty.port", "0"));
        node = new EchoWsNode();
        String hb = "{\"id\":\"ws-origin\",\"nodeGroup\":\"ng1\",\"role\":\"allinone\",\"publicAddress\":\"127.0.0.1\","
                + "\"httpPort\":" + node.port() + ",\"state\":\"INSERVICE\"}";
        proxy.heartbeat(SECRET, hb);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void aClientFloodingSmallMessagesIsClosedWith1008AndTheSessionFreed() throws Exception {
        int port = "netty".equals(adapter) ? proxy.server.nettyPort() : proxy.server.httpsPort();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = proxy.client.newWebSocketBuilder().subprotocols("json").buildAsync(
                URI.create("wss://127.0.0.1:" + port + "/streammanager/?id=flood&host=127.0.0.1:" + node.port() + "&app=live"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        closed.complete("error " + error);
                    }
                }).get(10, TimeUnit.SECONDS);
        // 1,000 as fast as they go: past the default 50/s with a burst of 200, which no signalling exchange reaches
        for (int i = 0; i < 1000 && !closed.isDone(); i++) {
            try {
                ws.sendText("quiet:" + i, true).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException closing) {
                break;
            }
        }
        assertThat(closed.get(5, TimeUnit.SECONDS)).startsWith("1008").contains("proxy.ws.maxMessageRate");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.server.core().wsSessions().size() == 0);
    }
}
