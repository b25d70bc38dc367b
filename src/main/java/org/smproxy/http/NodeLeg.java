package org.smproxy.http;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The proxy-to-node HTTP leg as the core sees it: one whole request out, one whole answer back, failures as
 * {@link UpstreamException}s that say whether the node never saw the request. The servlet side sends through the
 * JDK client ({@link NodeClient}), the Netty side through its event loop's own pool; the core cannot tell.
 */
public interface NodeLeg {

    /** @param target the path and query on the node; {@code host} as the cluster model gives it (IPv6 in brackets) */
    record Request(String host, int port, String nodeName, String method, String target,
                   List<Map.Entry<String, String>> headers, byte[] body, long timeoutMillis, int maxAnswerBytes) {
    }

    /** A node's answer, complete. {@code headers}: every value of a header by name (case-insensitive), never null. */
    record Answer(int status, Function<String, List<String>> headers, byte[] body) {
        public String firstHeader(String name) {
            List<String> values = headers.apply(name);
            return values.isEmpty() ? null : values.get(0);
        }
    }

    /** Completes on a thread the leg owns; dependent stages must not block. */
    CompletableFuture<Answer> send(Request request);
}
