package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.proxy.GatewayError;

/**
 * One API's meters on this node. Resolved once, when the API's runtime is built (not per request), and kept by API
 * id across config versions, so a changed definition does not reset its counters. The counts are {@link LaneCounters}
 * and two {@link LatencyHistogram}s: the event loops record without locks or atomic instructions, and nothing is
 * allocated per request.
 *
 * <p>Every event loop that serves the API holds a copy of its counters, so their number is what a node with many APIs
 * pays for: the outcomes that happen are counted densely (the upstream's answer or the client leaving, by status
 * class; each gateway error at its own status), and the rare ones (an error after the upstream's head was relayed, or
 * before any status was written) in a second bank whose lanes are only made when one is counted.
 */
public final class ApiMeters {
    /** Status classes: index 0 for no status (the client left before an answer), then 1xx to 5xx. */
    static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final int CLASSES = STATUS_CLASSES.length;
    private static final GatewayError[] ERRORS = GatewayError.values();
    /** Codes: index 0 for none (the upstream answered), 1.. for the gateway's errors, then the client leaving. */
    static final int CODES = ERRORS.length + 2;
    static final int CLIENT_GONE = ERRORS.length + 1;
    /** Each error's own status class, the one it is answered with. */
    private static final int[] OWN_CLASS = new int[ERRORS.length];

    static {
        for (GatewayError error : ERRORS) {
            OWN_CLASS[error.ordinal()] = error.status() / 100;
        }
    }

    /** The dense bank: answered by the upstream, then the client gone, by status class; each error at its own class. */
    private static final int ANSWERED = 0;
    private static final int GONE = CLASSES;
    private static final int OWN = 2 * CLASSES;
    private static final int IN_FLIGHT = OWN + ERRORS.length;
    static final int LEASE_WAITS = IN_FLIGHT + 1;
    static final int RATE_LIMITED = IN_FLIGHT + 2;
    static final int QUOTA_EXCEEDED = IN_FLIGHT + 3;
    static final int LIMITS_UNAVAILABLE = IN_FLIGHT + 4;

    /** The meters of a node with metrics off: recording into them is skipped. */
    static final ApiMeters OFF = new ApiMeters("", false);

    final String apiId;
    private final boolean enabled;
    private final LaneCounters counts;
    /** Errors counted at another status class than their own, by (error, class). */
    private final LaneCounters unusual;
    final LatencyHistogram duration = new LatencyHistogram();
    final LatencyHistogram upstreamDuration = new LatencyHistogram();

    ApiMeters(String apiId, boolean enabled) {
        this(apiId, enabled, LaneCounters.Lanes.NODE);
    }

    /** With lanes numbered from {@code lanes}: tests use their own. */
    ApiMeters(String apiId, boolean enabled, LaneCounters.Lanes lanes) {
        this.apiId = apiId;
        this.enabled = enabled;
        this.counts = new LaneCounters(LIMITS_UNAVAILABLE + 1, lanes);
        this.unusual = new LaneCounters(ERRORS.length * CLASSES, lanes);
    }

    /** A request was routed to this API: it is in flight until its completion. */
    public void started() {
        if (enabled) {
            counts.increment(IN_FLIGHT);
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
            counts.add(IN_FLIGHT, -1);
        }
        int statusClass = status >= 100 && status < 600 ? status / 100 : 0;
        if (error == null) {
            counts.increment((clientGone ? GONE : ANSWERED) + statusClass);
        } else if (statusClass == OWN_CLASS[error.ordinal()]) {
            counts.increment(OWN + error.ordinal());
        } else {
            unusual.increment(error.ordinal() * CLASSES + statusClass);
        }
        duration.record(durationNanos);
        if (upstreamNanos >= 0) {
            upstreamDuration.record(upstreamNanos);
        }
        if (waitedForLease) {
            counts.increment(LEASE_WAITS);
        }
        if (error == GatewayError.RATE_LIMITED) {
            counts.increment(RATE_LIMITED);
        } else if (error == GatewayError.QUOTA_EXCEEDED) {
            counts.increment(QUOTA_EXCEEDED);
        } else if (error == GatewayError.LIMITS_UNAVAILABLE) {
            counts.increment(LIMITS_UNAVAILABLE);
        }
    }

    /** Requests answered with this status class and code so far; 0 if none. */
    long requests(int statusClass, int code) {
        if (code == 0) {
            return counts.sum(ANSWERED + statusClass);
        }
        if (code == CLIENT_GONE) {
            return counts.sum(GONE + statusClass);
        }
        int error = code - 1;
        return statusClass == OWN_CLASS[error] ? counts.sum(OWN + error) : unusual.sum(error * CLASSES + statusClass);
    }

    /** Longs held for this API's request counters, over all lanes: what its meters cost in memory, histograms aside. */
    long footprint() {
        return counts.footprint() + unusual.footprint();
    }

    /** One of the counters named by the constants above: {@link #LEASE_WAITS}, {@link #RATE_LIMITED} and so on. */
    long count(int counter) {
        return counts.sum(counter);
    }

    static String code(int index) {
        return index == 0 ? "" : index == CLIENT_GONE ? "client_gone" : ERRORS[index - 1].code();
    }

    public long inFlight() {
        return counts.sum(IN_FLIGHT);
    }
}
