package org.smproxy.sim;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking wrappers around webrtc-java's callback API, each with a deadline.
 *
 * <p>Steps are awaited on the caller's thread rather than chained inside callbacks, so no native call is
 * ever made from libwebrtc's signalling thread.
 */
public final class Rtc {

    /** Longest a single negotiation step may take before the session is abandoned. */
    public static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
    /** Non-trickle descriptions wait at most this long for gathering, like Red5's SDK does. */
    public static final Duration GATHER_TIMEOUT = Duration.ofSeconds(2);

    private Rtc() {
    }

    public static String createOffer(RTCPeerConnection pc) throws SdpException {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        call(() -> pc.createOffer(new RTCOfferOptions(), describeInto(f)));
        return await(f, "createOffer").sdp;
    }

    public static String createAnswer(RTCPeerConnection pc) throws SdpException {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        call(() -> pc.createAnswer(new RTCAnswerOptions(), describeInto(f)));
        return await(f, "createAnswer").sdp;
    }

    public static void setLocal(RTCPeerConnection pc, RTCSdpType type, String sdp) throws SdpException {
        CompletableFuture<Void> f = new CompletableFuture<>();
        call(() -> pc.setLocalDescription(new RTCSessionDescription(type, sdp), doneInto(f)));
        await(f, "setLocalDescription");
    }

    public static void setRemote(RTCPeerConnection pc, RTCSdpType type, String sdp) throws SdpException {
        CompletableFuture<Void> f = new CompletableFuture<>();
        call(() -> pc.setRemoteDescription(new RTCSessionDescription(type, sdp), doneInto(f)));
        await(f, "setRemoteDescription");
    }

    /**
     * The local description once gathering is complete, or whatever was gathered by the deadline: a slow
     * interface must not stall the HTTP exchange.
     */
    public static String gatheredLocalSdp(RTCPeerConnection pc, PeerEvents events) {
        try {
            events.gathered().get(GATHER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // fall through with the candidates gathered so far
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pc.getLocalDescription().sdp;
    }

    /** Hands candidates to libwebrtc; a malformed one is reported like bad SDP. */
    public static void addCandidates(RTCPeerConnection pc, List<RTCIceCandidate> candidates) throws SdpException {
        for (RTCIceCandidate candidate : candidates) {
            call(() -> pc.addIceCandidate(candidate));
        }
    }

    /**
     * Unparseable input is thrown synchronously by the JNI layer rather than reported to the observer, and as
     * a plain {@code java.lang.Error}; subclasses such as OutOfMemoryError are not ours to swallow.
     */
    static void call(Runnable nativeCall) throws SdpException {
        try {
            nativeCall.run();
        } catch (RuntimeException e) {
            throw new SdpException(String.valueOf(e.getMessage()));
        } catch (Error e) {
            if (e.getClass() != Error.class) {
                throw e;
            }
            throw new SdpException(String.valueOf(e.getMessage()));
        }
    }

    private static CreateSessionDescriptionObserver describeInto(CompletableFuture<RTCSessionDescription> f) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                f.complete(description);
            }

            @Override
            public void onFailure(String error) {
                f.completeExceptionally(new SdpException(error));
            }
        };
    }

    private static SetSessionDescriptionObserver doneInto(CompletableFuture<Void> f) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                f.complete(null);
            }

            @Override
            public void onFailure(String error) {
                f.completeExceptionally(new SdpException(error));
            }
        };
    }

    private static <T> T await(CompletableFuture<T> f, String step) throws SdpException {
        try {
            return f.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SdpException se ? se : new SdpException(step + ": " + e.getCause());
        } catch (TimeoutException e) {
            throw new SdpException(step + " timed out after " + STEP_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SdpException(step + " interrupted");
        }
    }
}
