package org.smproxy.sim;

import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A transcoder node's work: for each publish of a provisioned stream, the provision's renditions, each published
 * to an origin of the node group over WHIP and fed the publisher's decoded frames at its own size. A publish that
 * no provision names is taken and goes nowhere, as there is nothing to make of it.
 *
 * <p>Starting and stopping run on one worker thread per node: the provision lookup and the WHIP exchanges with the
 * origin must not hold up the publisher's own WHIP answer, and one thread keeps a stop from overtaking its start.
 */
final class Transcoder {

    private static final System.Logger LOG = System.getLogger(Transcoder.class.getName());

    private final SimMedia media;
    private final String nodeId;
    /** Null without a provision source: then nothing is transcoded. */
    private final ProvisionClient provisions;
    private final Function<String, Optional<VideoTrack>> sources;
    private final ExecutorService worker;
    /** Streams whose renditions are all published, written only on the worker; read by anyone. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    /** @param sources the decoded picture of a stream published to this node, while it is published */
    Transcoder(SimMedia media, SimNodeConfig config, Function<String, Optional<VideoTrack>> sources) {
        this.media = media;
        this.nodeId = config.id();
        this.provisions = config.provisionBase() == null ? null
                : new ProvisionClient(config.provisionBase(), config.provisionToken(), config.nodeGroup());
        this.sources = sources;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sim-transcoder-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    void published(String streamGuid) {
        worker.execute(() -> start(streamGuid));
    }

    void unpublished(String streamGuid) {
        worker.execute(() -> stop(streamGuid));
    }

    /** The renditions this node publishes now, of every stream it transcodes. */
    Set<String> renditions() {
        Set<String> out = new TreeSet<>();
        jobs.values().forEach(j -> j.renditions.forEach(r -> out.add(r.rendition().streamGuid())));
        return out;
    }

    /** The node stops: every rendition ends on its origin. */
    void closeAll() {
        worker.execute(() -> Set.copyOf(jobs.keySet()).forEach(this::stop));
        worker.shutdown();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void start(String streamGuid) {
        if (provisions == null) {
            LOG.log(Level.WARNING, "transcoder {0}: no provision source configured, {1} is not transcoded", nodeId,
                    streamGuid);
            return;
        }
        try {
            Optional<ProvisionClient.Provisioned> provision = provisions.provisionOf(streamGuid);
            if (provision.isEmpty()) {
                LOG.log(Level.WARNING, "transcoder {0}: no provision names {1}", nodeId, streamGuid);
                return;
            }
            URI origin = provisions.originFor(provision.get().provisionGuid());
            Optional<VideoTrack> source = sources.apply(streamGuid);
            if (source.isEmpty()) {
                return; // the publisher left while the proxy was asked
            }
            Job job = new Job(source.get(), provision.get().renditions().stream()
                    .map(r -> new RenditionPublisher(media, r)).toList());
            try {
                job.publish(origin);
            } catch (IOException | SdpException | RuntimeException e) {
                job.close(); // the renditions already on the origin end there
                throw e;
            }
            jobs.put(streamGuid, job);
            LOG.log(Level.INFO, "transcoder {0}: {1} as {2} to {3}", nodeId, streamGuid, renditionsOf(job), origin);
        } catch (IOException | SdpException e) {
            LOG.log(Level.WARNING, "transcoder {0}: {1} not transcoded: {2}", nodeId, streamGuid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stop(String streamGuid) {
        Job job = jobs.remove(streamGuid);
        if (job != null) {
            job.close();
        }
    }

    private static List<String> renditionsOf(Job job) {
        return job.renditions.stream().map(r -> r.rendition().streamGuid()).toList();
    }

    /** One transcoded stream: a sink on the source's picture that hands every frame to each rendition. */
    private final class Job implements VideoTrackSink, AutoCloseable {
        private final VideoTrack source;
        private final List<RenditionPublisher> renditions;
        private boolean sinking;

        Job(VideoTrack source, List<RenditionPublisher> renditions) {
            this.source = source;
            this.renditions = renditions;
        }

        /** Frames flow first, so each rendition's encoder has a picture the moment its origin connects. */
        void publish(URI origin) throws IOException, SdpException {
            source.addSink(this);
            sinking = true;
            for (RenditionPublisher r : renditions) {
                r.publish(media, origin);
            }
        }

        @Override
        public void onVideoFrame(VideoFrame frame) {
            try {
                renditions.forEach(r -> r.offer(frame));
            } finally {
                // The sink owns one reference to its copied buffer.
                frame.release();
            }
        }

        @Override
        public void close() {
            if (sinking) {
                source.removeSink(this);
            }
            renditions.forEach(RenditionPublisher::close);
        }
    }
}
