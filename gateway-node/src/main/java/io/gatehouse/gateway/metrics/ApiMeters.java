package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.proxy.GatewayError;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One API's meters on this node. Resolved once, when the API's runtime is built (not per request), and kept by API
 * id across config versions, so a changed definition does not reset its counters. Every field is a {@link LongAdder}
 * or a {@link LatencyHistogram}: the event loops record without locks, and nothing is allocated per request but
 * the first counter of a (status class, code) pair.
 */
public final class ApiMeters {
    /** Status classes: index 0 for no status (the client left before an answer), then 1xx to 5xx. */
    static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final GatewayError[] ERRORS = GatewayError.values();
    /** Codes: index 0 for none (the upstream answered), 1.. for the gateway's errors, then the client leaving. */
    static final int CODES = ERRORS.length + 2;
    static final int CLIENT_GONE = ERRORS.length + 1;

    /** The meters of a node with metrics off: recording into them is skipped. */
    static final ApiMeters OFF = new ApiMeters("", false);

    final String apiId;
    private final boolean enabled;
    private final AtomicReferenceArray<LongAdder> requests = new AtomicReferenceArray<>(STATUS_CLASSES.length * CODES);
    final LatencyHistogram duration = new LatencyHistogram();
    final LatencyHistogram upstreamDuration = new LatencyHistogram();
    final LongAdder inFlight = new LongAdder();
    final LongAdder leaseWaits = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder quotaExceeded = new LongAdder();
    final LongAdder limitsUnavailable = new LongAdder();

    ApiMeters(String apiId, boolean enabled) {
        this.apiId = apiId;
        this.enabled = enabled;
    }

    /** A request was routed to this API: it is in flight until its completion. */
    public void started() {
        if (enabled) {
            inFlight.increment();
        }
    }

    /**
     * Records a completed exchange routed to this API (or to none).
     *
     * @param status        the status answered, 0 for none
     * @param error         the gateway's own error, or null
     * @param clientGone    the client left before the answer was complete
     * @param routed        whether {@link #started()} was called for it
     * @param upstreamNanos time since the first attempt went upstream, or -1 when none did
     * @param waitedForLease whether the request waited for a rate or quota lease
     */
    void completed(int status, GatewayError error, boolean clientGone, boolean routed, long durationNanos, long upstreamNanos,
                   boolean waitedForLease) {
        if (!enabled) {
            return;
        }
        if (routed) {
            inFlight.decrement();
        }
        int statusClass = status >= 100 && status < 600 ? status / 100 : 0;
        int code = error != null ? error.ordinal() + 1 : clientGone ? CLIENT_GONE : 0;
        int index = statusClass * CODES + code;
        LongAdder counter = requests.get(index);
        if (counter == null) {
            requests.compareAndSet(index, null, new LongAdder());
            counter = requests.get(index);
        }
        counter.increment();
        duration.record(durationNanos);
        if (upstreamNanos >= 0) {
            upstreamDuration.record(upstreamNanos);
        }
        if (waitedForLease) {
            leaseWaits.increment();
        }
        if (error == GatewayError.RATE_LIMITED) {
            rateLimited.increment();
        } else if (error == GatewayError.QUOTA_EXCEEDED) {
            quotaExceeded.increment();
        } else if (error == GatewayError.LIMITS_UNAVAILABLE) {
            limitsUnavailable.increment();
        }
    }

    /** Requests answered with this status class and code so far; 0 if none. */
    long requests(int statusClass, int code) {
        LongAdder counter = requests.get(statusClass * CODES + code);
        return counter == null ? 0 : counter.sum();
    }

    static String code(int index) {
        return index == 0 ? "" : index == CLIENT_GONE ? "client_gone" : ERRORS[index - 1].code();
    }

    public long inFlight() {
        return inFlight.sum();
    }
}
