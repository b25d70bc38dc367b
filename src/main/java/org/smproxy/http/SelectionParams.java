package org.smproxy.http;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.smproxy.cluster.SelectionRequest;

/**
 * How every path (the streams and SM 1.x event APIs, the WHIP/WHEP, WebSocket and HLS relays) reads Red5's
 * selection parameters from a query, and which parameters are the proxy's own and never go to a node.
 */
public final class SelectionParams {
    /** The proxy's parameters; everything else a client writes goes to the node as written. */
    public static final Set<String> PROXY_ONLY = Set.of("host", "nodeGroup", "region", "subgroup", "subGroup",
            "strict", "transcode");
    /** Where a client may name its preferred regions: SM 2.0's {@code region} wins over Red5's two spellings. */
    static final String[] REGION = {"region", "subgroup", "subGroup"};

    private SelectionParams() {
    }

    /**
     * @param param     a query parameter by name, or null
     * @param publish   a publish question: {@code transcode} counts
     * @param endpoints the API takes {@code endpoints} (the relays always want one node)
     * @param where     the region parameters in preference order; none given: {@link #REGION}
     */
    public static SelectionRequest read(Function<String, String> param, String group, String streamGuid,
                                        boolean publish, boolean endpoints, String... where) {
        List<String> regions = Params.list(Params.first(param, where.length == 0 ? REGION : where));
        return new SelectionRequest(group, streamGuid, regions, Params.bool("strict", param.apply("strict"), false),
                endpoints ? Params.integer("endpoints", param.apply("endpoints"), 1) : 1,
                publish && Params.bool("transcode", param.apply("transcode"), false));
    }
}
