package org.smproxy.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the proxy knows about the cluster: node groups, nodes with their state and load, and which node publishes or
 * carries which stream; and the choice of node for a publisher or a subscriber, as Red5's AS-Streams makes it.
 *
 * <p>Fed by heartbeats (and a static file for fixed clusters). A heartbeat costs O(log n) per index it moves in and
 * O(1) when nothing moved; a selection draws from array snapshots of those indexes in O(picks), so both stay flat
 * at 10,000 nodes.
 */
public final class ClusterModel {
    private static final Logger log = LoggerFactory.getLogger(ClusterModel.class);
    /** Red5 reserves this name as an alias for the only node group. */
    public static final String DEFAULT_ALIAS = "default";

    private final Map<String, GroupIndex> groups = new LinkedHashMap<>();
    private final ConcurrentHashMap<String, NodeEntry> nodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> idByAddress = new ConcurrentHashMap<>();
    private final Provisions provisions = new Provisions();
    private final Clock clock;
    private final Duration heartbeatTimeout;
    private final String sm1Group;

    /**
     * @param sm1Group group for APIs whose URLs name none (SM 1.x); empty means the only group
     */
    public ClusterModel(Collection<NodeGroupConfig> groupConfigs, Clock clock, Duration heartbeatTimeout, String sm1Group) {
        for (NodeGroupConfig g : groupConfigs) {
            groups.put(g.name(), new GroupIndex(g, clock::millis));
        }
        this.clock = clock;
        this.heartbeatTimeout = heartbeatTimeout;
        this.sm1Group = sm1Group == null ? "" : sm1Group;
        if (!this.sm1Group.isEmpty() && !groups.containsKey(this.sm1Group)) {
            throw new IllegalArgumentException("default node group '" + sm1Group + "' is not defined");
        }
    }

    // ---- groups -------------------------------------------------------------------------------------------------

    public Set<String> groupNames() {
        return groups.keySet();
    }

    /** Resolves a group name, honouring Red5's {@code default} alias when there is exactly one group. */
    public NodeGroupConfig group(String name) {
        return index(name).config;
    }

    /** The node groups' provisions: the store writes them, transcoding selection reads them. */
    public Provisions provisions() {
        return provisions;
    }

    /** The group SM 1.x requests go to. */
    public String sm1GroupName() {
        if (!sm1Group.isEmpty()) {
            return sm1Group;
        }
        return index(DEFAULT_ALIAS).config.name();
    }

    private GroupIndex index(String name) {
        GroupIndex g = groups.get(name);
        if (g == null && DEFAULT_ALIAS.equals(name) && groups.size() == 1) {
            g = groups.values().iterator().next();
        }
        if (g == null) {
            throw new ClusterException.UnknownNodeGroup(DEFAULT_ALIAS.equals(name)
                    ? "node group alias 'default' is ambiguous: " + groups.size() + " node groups are defined"
                    : "node group '" + name + "' not found");
        }
        return g;
    }

    // ---- feeding the model --------------------------------------------------------------------------------------

    /** Records a heartbeat (or a static node) and re-indexes the node. */
    public Node report(NodeReport report, boolean isStatic) {
        return report(report, isStatic, clock.millis());
    }

    /**
     * Records a heartbeat received at {@code heartbeatMillis} (this model's clock): a shared store hands over
     * reports that other replicas received earlier, with their age.
     */
    public Node report(NodeReport report, boolean isStatic, long heartbeatMillis) {
        GroupIndex group = validate(report);
        while (true) {
            NodeEntry entry = nodes.computeIfAbsent(report.id(), NodeEntry::new);
            synchronized (entry) {
                if (entry.removed) {
                    continue; // lost a race with expiry; start over with a fresh entry
                }
                String address = Node.addressOf(report.publicAddress(), report.httpPort(), group.config.standardHttpPort());
                String owner = idByAddress.putIfAbsent(address, report.id());
                if (owner != null && !owner.equals(report.id())) {
                    if (entry.report == null) {
                        entry.removed = true;
                        nodes.remove(report.id(), entry);
                    }
                    throw new ClusterException.AddressConflict("address " + address + " already belongs to node '" + owner + "'");
                }
                if (entry.group != null && (entry.group != group || entry.report.role() != report.role())) {
                    detach(entry); // moved group or role: rebuild from nothing rather than diff
                }
                if (entry.report == null) {
                    log.info("node '{}' joined group '{}' as {} at {} ({})", report.id(), group.config.name(),
                            report.role().wireName(), address, report.state());
                } else if (entry.report.state() != report.state()) {
                    log.info("node '{}' reports state {} (was {})", report.id(), report.state(), entry.report.state());
                }
                entry.isStatic = entry.isStatic || isStatic;
                entry.lastHeartbeatMillis = heartbeatMillis;
                apply(entry, group, report);
                return entry.node;
            }
        }
    }

    /** Sets or (with null) clears an operator's state override; it survives the node's own heartbeats. */
    public Node setAdminState(String nodeId, NodeState state) {
        NodeEntry entry = entry(nodeId);
        synchronized (entry) {
            if (entry.removed) {
                throw new ClusterException.UnknownNode("node '" + nodeId + "' not found");
            }
            entry.adminState = state;
            log.info("node '{}' state set by operator to {}", nodeId, state == null ? "its own (" + entry.report.state() + ")" : state);
            apply(entry, entry.group, entry.report);
            return entry.node;
        }
    }

    /** The operator's override of a node's state, if any. */
    public Optional<NodeState> adminState(String nodeId) {
        NodeEntry entry = nodes.get(nodeId);
        if (entry == null) {
            return Optional.empty();
        }
        synchronized (entry) {
            return entry.removed ? Optional.empty() : Optional.ofNullable(entry.adminState);
        }
    }

    public void remove(String nodeId, String reason) {
        NodeEntry entry = entry(nodeId);
        synchronized (entry) {
            if (!entry.removed) {
                detach(entry);
                entry.removed = true;
                nodes.remove(nodeId, entry);
                log.warn("node '{}' removed: {}", nodeId, reason);
            }
        }
    }

    /** Drops nodes whose heartbeats stopped, with their streams. Static nodes never expire. */
    public int expireStale() {
        long deadline = clock.millis() - heartbeatTimeout.toMillis();
        int removed = 0;
        for (NodeEntry entry : nodes.values()) {
            boolean stale;
            synchronized (entry) {
                stale = !entry.removed && !entry.isStatic && entry.lastHeartbeatMillis < deadline;
            }
            if (stale) {
                remove(entry.id, "no heartbeat for more than " + heartbeatTimeout.toMillis() + " ms");
                removed++;
            }
        }
        return removed;
    }

    private GroupIndex validate(NodeReport r) {
        require(r.id() != null && !r.id().isBlank() && r.id().length() <= 128, "id is required (at most 128 characters)");
        require(r.role() != null, "role is required");
        require(r.state() != null, "state is required");
        require(r.publicAddress() != null && !r.publicAddress().isBlank(), "publicAddress is required");
        require(r.httpPort() > 0 && r.httpPort() <= 65535, "httpPort: " + r.httpPort() + " (expected: 1-65535)");
        require(r.nodeGroup() != null && !r.nodeGroup().isBlank(), "nodeGroup is required");
        GroupIndex group = groups.get(r.nodeGroup());
        if (group == null) {
            throw new ClusterException.InvalidRequest("node group '" + r.nodeGroup() + "' is not configured (known: "
                    + groups.keySet() + ")");
        }
        return group;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ClusterException.InvalidRequest(message);
        }
    }

    private NodeEntry entry(String nodeId) {
        NodeEntry entry = nodes.get(nodeId);
        if (entry == null) {
            throw new ClusterException.UnknownNode("node '" + nodeId + "' not found");
        }
        return entry;
    }

    /** Re-evaluates rank and state and moves the node and its streams in the indexes. Caller holds the entry lock. */
    private void apply(NodeEntry e, GroupIndex group, NodeReport r) {
        NodeGroupConfig cfg = group.config;
        CapacityRule rule = cfg.ruleFor(r.role());
        int rank = MetricExpression.truncate(rule.ranking().evaluate(r.metrics(), cfg.nodeCapacity()));
        int limit = MetricExpression.truncate(rule.limit().evaluate(r.metrics(), cfg.nodeCapacity()));
        NodeState state = e.adminState != null ? e.adminState : r.state();
        String address = Node.addressOf(r.publicAddress(), r.httpPort(), cfg.standardHttpPort());
        Node n = new Node(r.id(), cfg.name(), r.subGroup(), r.role(), state, r.state(), r.publicAddress(),
                r.privateAddress(), r.httpPort(), r.httpsPort(), r.wsPort() > 0 ? r.wsPort() : r.httpPort(), address,
                r.metrics(), rank, limit, e.lastHeartbeatMillis, e.isStatic);
        List<String> keys = cfg.ancestry(r.subGroup());

        Node old = e.group == null ? null : e.node;
        if (old != null && !old.address().equals(address)) {
            idByAddress.remove(old.address(), e.id);
        }
        Ranked oldRanked = e.ranked;
        Ranked ranked = null;
        if (n.inService() && rank < limit) {
            if (oldRanked != null && oldRanked.rank == rank && e.keys.equals(keys)) {
                oldRanked.node = n;
                ranked = oldRanked;
            } else {
                ranked = new Ranked(n, keys);
            }
        }
        group.place(r.role().capabilities(), oldRanked, ranked);
        int inServiceDelta = (n.inService() ? 1 : 0) - (old != null && old.inService() ? 1 : 0);
        if (inServiceDelta != 0) {
            group.inServiceNodes.addAndGet(inServiceDelta);
        }
        Map<String, NodeReport.StreamReport> streams = new HashMap<>();
        for (NodeReport.StreamReport s : r.streams()) {
            // a name this node reported before was valid then: only new names pay for the check (a third of a
            // heartbeat's cost with 50 streams)
            if (s.streamGuid() != null && (e.streams.containsKey(s.streamGuid()) || StreamGuid.isValid(s.streamGuid()))) {
                streams.put(s.streamGuid(), s);
            }
        }
        boolean subscribable = r.role().can(Capability.SUBSCRIBE);
        Ranked oldCarrier = subscribable ? oldRanked : null;
        Ranked carrier = subscribable ? ranked : null;
        long now = clock.millis();
        for (Map.Entry<String, NodeReport.StreamReport> s : streams.entrySet()) {
            NodeReport.StreamReport before = e.streams.get(s.getKey());
            if (before == null || !before.equals(s.getValue()) || oldCarrier != carrier) {
                group.updateStream(s.getKey(), e.id, before, s.getValue(), before == null ? null : oldCarrier, carrier, now);
            }
        }
        for (Map.Entry<String, NodeReport.StreamReport> s : e.streams.entrySet()) {
            if (!streams.containsKey(s.getKey())) {
                group.updateStream(s.getKey(), e.id, s.getValue(), null, oldCarrier, null, now);
            }
        }
        if (oldRanked != null && oldRanked != ranked) {
            oldRanked.retired = true; // only now: until its streams moved, the old place was their carrier
        }
        e.group = group;
        e.report = r;
        e.node = n;
        e.ranked = ranked;
        e.keys = keys;
        e.streams = streams;
    }

    /** Takes a node out of every index of its group. Caller holds the entry lock. */
    private void detach(NodeEntry e) {
        GroupIndex group = e.group;
        if (group == null) {
            return;
        }
        Ranked carrier = e.report.role().can(Capability.SUBSCRIBE) ? e.ranked : null;
        group.place(e.report.role().capabilities(), e.ranked, null);
        if (e.node.inService()) {
            group.inServiceNodes.decrementAndGet();
        }
        long now = clock.millis();
        for (Map.Entry<String, NodeReport.StreamReport> s : e.streams.entrySet()) {
            group.updateStream(s.getKey(), e.id, s.getValue(), null, carrier, null, now);
        }
        if (e.ranked != null) {
            e.ranked.retired = true;
        }
        idByAddress.remove(e.node.address(), e.id);
        e.group = null;
        e.ranked = null;
        e.keys = List.of();
        e.streams = Map.of();
    }

    // ---- selection ----------------------------------------------------------------------------------------------

    /**
     * Nodes to publish to: PUBLISH-capable (TRANSCODE-capable first, then an origin, with {@code transcode} and a
     * provision naming the stream), in service, under their capacity limit, best ranked first.
     */
    public List<Node> selectPublish(SelectionRequest req) {
        return selectPublish(req, ThreadLocalRandom.current());
    }

    List<Node> selectPublish(SelectionRequest req, Random random) {
        GroupIndex g = index(req.nodeGroup());
        NodeGroupConfig cfg = g.config;
        if (cfg.maxPublishers() != null && g.publishers.get() >= cfg.maxPublishers()) {
            throw new ClusterException.GroupLimitReached("node group '" + cfg.name() + "' has reached maxPublishers ("
                    + cfg.maxPublishers() + ")");
        }
        if (req.streamGuid() != null) {
            StreamEntry existing = g.streams.get(req.streamGuid());
            if (existing != null && existing.publisherNodeId != null) {
                throw new ClusterException.StreamAlreadyPublished("stream '" + req.streamGuid()
                        + "' is already published on node '" + existing.publisherNodeId + "'");
            }
        }
        if (!req.transcode()) {
            return choose(g, g.candidates(Capability.PUBLISH)::view, req, Capability.PUBLISH, random);
        }
        // Red5: the provision tells the transcoder which renditions to make; without one there is nothing to do
        if (!provisions.covers(cfg.name(), req.streamGuid())) {
            throw new ClusterException.NotProvisioned("no provision in node group '" + cfg.name() + "' names stream '"
                    + req.streamGuid() + "': transcode=true needs one");
        }
        List<Node> result = new ArrayList<>(choose(g, g.candidates(Capability.TRANSCODE)::view, req, Capability.TRANSCODE,
                random));
        // Red5 lists the transcoder first and then the origin it will publish the renditions to.
        SelectionRequest originReq = new SelectionRequest(req.nodeGroup(), req.streamGuid(), req.subGroups(), false, 1,
                false, req.excludedNodeId());
        for (Node origin : choose(g, g.candidates(Capability.PUBLISH)::view, originReq, Capability.PUBLISH, random)) {
            if (!origin.id().equals(result.get(0).id())) {
                result.add(origin);
            }
        }
        return result;
    }

    /** Nodes a subscriber can play the stream from: SUBSCRIBE-capable nodes that carry it, best ranked first. */
    public List<Node> selectSubscribe(SelectionRequest req) {
        return selectSubscribe(req, ThreadLocalRandom.current());
    }

    List<Node> selectSubscribe(SelectionRequest req, Random random) {
        GroupIndex g = index(req.nodeGroup());
        NodeGroupConfig cfg = g.config;
        StreamEntry stream = g.streams.get(req.streamGuid());
        if (stream == null) {
            throw new ClusterException.StreamNotFound("stream '" + req.streamGuid() + "' is not published in node group '"
                    + cfg.name() + "'");
        }
        if (cfg.maxSubscribers() != null && g.subscribers.get() >= cfg.maxSubscribers()) {
            throw new ClusterException.GroupLimitReached("node group '" + cfg.name() + "' has reached maxSubscribers ("
                    + cfg.maxSubscribers() + ")");
        }
        Ranked[] carriers = stream.carriers;
        return choose(g, scope -> NodeSelector.inScope(carriers, scope), req, Capability.SUBSCRIBE, random);
    }

    /**
     * Every node that can take a subscriber for the stream now (in service, under its limit), preferred sub-groups
     * first, for callers that pick by a rule of their own (HLS keeps a viewer on one edge).
     */
    public List<Node> carriers(SelectionRequest req) {
        GroupIndex g = index(req.nodeGroup());
        StreamEntry stream = g.streams.get(req.streamGuid());
        if (stream == null) {
            throw new ClusterException.StreamNotFound("stream '" + req.streamGuid() + "' is not published in node group '"
                    + g.config.name() + "'");
        }
        List<Node> found = new ArrayList<>();
        List<String> scopes = new ArrayList<>(req.subGroups());
        if (scopes.isEmpty() || !req.strict()) {
            scopes.add("");
        }
        for (String scope : scopes) {
            for (Ranked r : NodeSelector.inScope(stream.carriers, scope)) {
                Node n = r.node;
                if (!r.retired && !n.id().equals(req.excludedNodeId())
                        && found.stream().noneMatch(f -> f.id().equals(n.id()))) {
                    found.add(n);
                }
            }
            if (!found.isEmpty()) {
                break; // the first scope with candidates wins, as with preferred sub-groups in selection
            }
        }
        if (found.isEmpty()) {
            throw noNode(g, req, Capability.SUBSCRIBE, 0);
        }
        return found;
    }

    private List<Node> choose(GroupIndex g, Function<String, Ranked[]> candidates, SelectionRequest req,
                              Capability capability, Random random) {
        List<Node> chosen = NodeSelector.choose(candidates, req, g.shuffleSize(), random);
        if (chosen.isEmpty() || (req.strict() && chosen.size() < req.endpoints())) {
            throw noNode(g, req, capability, chosen.size());
        }
        return chosen;
    }

    /** Failure path only, so it may scan: tells "all full" (retry later) from "none there". */
    private ClusterException noNode(GroupIndex g, SelectionRequest req, Capability capability, int found) {
        List<String> scope = req.strict() && !req.subGroups().isEmpty() ? req.subGroups() : List.of("");
        StreamEntry stream = capability == Capability.SUBSCRIBE ? g.streams.get(req.streamGuid()) : null;
        boolean anyInScope = false;
        for (NodeEntry e : nodes.values()) {
            Node n = e.node;
            if (n == null || e.group != g || !n.inService() || !n.role().can(capability)) {
                continue;
            }
            if (stream != null && !stream.byNode.containsKey(n.id())) {
                continue;
            }
            List<String> ancestry = g.config.ancestry(n.subGroup());
            if (scope.stream().anyMatch(ancestry::contains)) {
                anyInScope = true;
                break;
            }
        }
        String what = capability == Capability.SUBSCRIBE ? "carrying stream '" + req.streamGuid() + "'"
                : "with capability " + capability;
        String where = req.subGroups().isEmpty() ? "" : (req.strict() ? " in sub-group(s) " : " (preferred ") + req.subGroups()
                + (req.strict() ? "" : ")");
        if (found > 0) {
            return new ClusterException.NoNodeAvailable("only " + found + " of " + req.endpoints()
                    + " requested endpoints available " + what + where, false);
        }
        if (anyInScope) {
            return new ClusterException.NoNodeAvailable("every in-service node " + what + where
                    + " is at its capacity limit", true);
        }
        return new ClusterException.NoNodeAvailable("no in-service node " + what + " in node group '"
                + g.config.name() + "'" + where, false);
    }

    // ---- queries ------------------------------------------------------------------------------------------------

    /** The node clients name by {@code host} (its address, or its id), whatever its state; callers check that. */
    public Optional<Node> findByAddress(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        String id = idByAddress.get(host);
        return findById(id != null ? id : host);
    }

    public Optional<Node> findById(String id) {
        NodeEntry e = id == null ? null : nodes.get(id);
        Node n = e == null ? null : e.node;
        return e == null || e.removed ? Optional.empty() : Optional.ofNullable(n);
    }

    public List<Node> nodes() {
        List<Node> list = new ArrayList<>(nodes.size());
        for (NodeEntry e : nodes.values()) {
            Node n = e.node;
            if (n != null && !e.removed) {
                list.add(n);
            }
        }
        list.sort(Comparator.comparing(Node::nodeGroup).thenComparing(Node::id));
        return list;
    }

    public List<StreamView> streams(String groupName) {
        GroupIndex g = index(groupName);
        List<StreamView> list = new ArrayList<>(g.streams.size());
        for (StreamEntry s : g.streams.values()) {
            list.add(view(g, s));
        }
        list.sort(Comparator.comparing(StreamView::streamGuid));
        return list;
    }

    public Optional<StreamView> stream(String groupName, String guid) {
        GroupIndex g = index(groupName);
        StreamEntry s = g.streams.get(guid);
        return s == null ? Optional.empty() : Optional.of(view(g, s));
    }

    private StreamView view(GroupIndex g, StreamEntry s) {
        List<StreamView.Location> locations = new ArrayList<>(s.byNode.size());
        s.byNode.forEach((nodeId, report) -> findById(nodeId).ifPresent(
                n -> locations.add(new StreamView.Location(n, report.publishing(), report.subscribers()))));
        locations.sort(Comparator.comparing((StreamView.Location l) -> !l.publishing()).thenComparing(l -> l.node().id()));
        return new StreamView(s.guid, g.config.name(), s.startedMillis, locations);
    }

    /** Nodes of a group in a state (the effective one, the operator's override applied), for metrics. */
    public int count(String group, NodeState state) {
        int n = 0;
        for (Node node : nodes()) {
            if (node.nodeGroup().equals(group) && node.state() == state) {
                n++;
            }
        }
        return n;
    }

    /**
     * How long ago the group's stalest heartbeating node last reported (0 without one): close to the heartbeat
     * timeout means a node is about to be dropped, or nodes cannot reach this replica. Cluster-file nodes never
     * expire and are left out.
     */
    public long oldestHeartbeatAgeMillis(String group) {
        long now = clock.millis();
        long oldest = 0;
        for (Node node : nodes()) {
            if (!node.isStatic() && node.nodeGroup().equals(group)) {
                oldest = Math.max(oldest, now - node.lastHeartbeatMillis());
            }
        }
        return oldest;
    }

    /** Totals per group for health and metrics. */
    public Map<String, long[]> groupTotals() {
        Map<String, long[]> totals = new LinkedHashMap<>();
        groups.forEach((name, g) -> totals.put(name, new long[] {g.inServiceNodes.get(), g.streams.size(),
                g.publishers.get(), g.subscribers.get()}));
        return totals;
    }

    public long nowMillis() {
        return clock.millis();
    }
}
