package smbench.jmh;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.smproxy.cluster.ClusterFile;
import org.smproxy.cluster.ClusterModel;
import org.smproxy.cluster.Node;
import org.smproxy.cluster.NodeReport;
import org.smproxy.cluster.NodeState;
import org.smproxy.cluster.Role;
import org.smproxy.cluster.SelectionRequest;

/**
 * Node selection at scale: 10,000 nodes (2,000 origins, 8,000 edges in four regions under two parents) and
 * 100,000 live streams (each published on one origin and carried by three edges). In each group one thread
 * selects while another applies heartbeats (new load, same streams) to random nodes as fast as it can, so the
 * selection reads sets that are being re-sorted under it.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    "-Dlogback.configurationFile=logback-bench.xml"})
public class SelectionBenchmark {
    static final String[] REGIONS = {"us-east", "us-west", "eu-west", "ap-south"};

    @Param({"10000"})
    int nodes;

    @Param({"100000"})
    int streams;

    /** The group's shuffleSizeExpression: Red5's default, and a small fixed window. */
    @Param({"max(nodeCount * 0.1, 2)", "4"})
    String shuffle;

    ClusterModel model;
    NodeReport[] reports;
    String[] liveStreams;
    String[] newStreams;
    SelectionRequest[] publishReqs;
    SelectionRequest[] subscribeReqs;

    @Setup(Level.Trial)
    public void build() {
        String json = "{\"nodeGroups\":[{\"name\":\"ng1\",\"shuffleSizeExpression\":\"" + shuffle + "\","
                + "\"nodeCapacity\":1000,\"subGroups\":["
                + "{\"name\":\"usa\",\"subGroups\":[{\"name\":\"us-east\"},{\"name\":\"us-west\"}]},"
                + "{\"name\":\"eu\",\"subGroups\":[{\"name\":\"eu-west\"}]},{\"name\":\"ap-south\"}]}],\"nodes\":[]}";
        ClusterFile file = ClusterFile.parse(json);
        model = new ClusterModel(file.nodeGroups(), Clock.systemUTC(), Duration.ofHours(1), "");
        int origins = nodes / 5;
        int edges = nodes - origins;
        List<List<NodeReport.StreamReport>> byNode = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            byNode.add(new ArrayList<>());
        }
        liveStreams = new String[streams];
        for (int s = 0; s < streams; s++) {
            String guid = "live/stream" + s;
            liveStreams[s] = guid;
            byNode.get(s % origins).add(new NodeReport.StreamReport(guid, true, 0));
            for (int k = 0; k < 3; k++) {
                int edge = origins + (int) ((s * 7L + k * 2671L) % edges);
                byNode.get(edge).add(new NodeReport.StreamReport(guid, false, 1 + (s + k) % 50));
            }
        }
        reports = new NodeReport[nodes];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int n = 0; n < nodes; n++) {
            boolean origin = n < origins;
            // addresses are data only: nothing is ever sent to them
            String address = "127." + (1 + n / 65536) + "." + (n / 256 % 256) + "." + (n % 256);
            reports[n] = new NodeReport("node-" + n, "ng1", origin ? Role.ORIGIN : Role.EDGE, REGIONS[n % REGIONS.length],
                    address, null, 5080, 0, 0, NodeState.INSERVICE,
                    Map.of("connections.client", (double) r.nextInt(900)), byNode.get(n));
            model.report(reports[n], false);
        }
        newStreams = new String[1024];
        publishReqs = new SelectionRequest[1024];
        subscribeReqs = new SelectionRequest[1024];
        for (int i = 0; i < 1024; i++) {
            newStreams[i] = "live/new" + i;
            List<String> pref = i % 2 == 0 ? List.of() : List.of(REGIONS[i % REGIONS.length]);
            publishReqs[i] = new SelectionRequest("ng1", newStreams[i], pref, false, 1, false);
            subscribeReqs[i] = new SelectionRequest("ng1", liveStreams[r.nextInt(streams)], pref, false, 1, false);
        }
    }

    /** One heartbeat: a random node reports a new load and the same streams. */
    private Node heartbeat() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        NodeReport old = reports[r.nextInt(reports.length)];
        NodeReport next = new NodeReport(old.id(), old.nodeGroup(), old.role(), old.subGroup(), old.publicAddress(),
                null, old.httpPort(), 0, 0, NodeState.INSERVICE, Map.of("connections.client", (double) r.nextInt(900)),
                old.streams());
        return model.report(next, false);
    }

    @Benchmark
    @Group("publish")
    @GroupThreads(1)
    public List<Node> publishSelect() {
        return model.selectPublish(publishReqs[ThreadLocalRandom.current().nextInt(1024)]);
    }

    @Benchmark
    @Group("publish")
    @GroupThreads(1)
    public Node publishHeartbeat() {
        return heartbeat();
    }

    @Benchmark
    @Group("subscribe")
    @GroupThreads(1)
    public List<Node> subscribeSelect() {
        return model.selectSubscribe(subscribeReqs[ThreadLocalRandom.current().nextInt(1024)]);
    }

    @Benchmark
    @Group("subscribe")
    @GroupThreads(1)
    public Node subscribeHeartbeat() {
        return heartbeat();
    }
}
