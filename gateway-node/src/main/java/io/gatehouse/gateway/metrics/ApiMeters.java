package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.proxy.GatewayError;

/**
 * One API's meters on this node. Resolved once, when the API's runtime is built (not per request), and kept by API
 * id across config versions, so a changed definition does not reset its counters. The counts are one bank of
 * {@link LaneCounters} and two {@link LatencyHistogram}s: the event loops record without locks or atomic
 * instructions, and nothing is allocated per request.
 */
public final class ApiMeters {
    /** Status classes: index 0 for no status (the client left before an answer), then 1xx to 5xx. */
    static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final GatewayError[] ERRORS = GatewayError.values();
    /** Codes: index 0 for none (the upstream answered), 1.. for the gateway's errors, then the client leaving. */
    static final int CODES = ERRORS.length + 2;
    static final int CLIENT_GONE = ERRORS.length + 1;

    /** Answered requests by (status class, code) first, then the counters below. */
    private static final int REQUESTS = STATUS_CLASSES.length * CODES;
    private static final int IN_FLIGHT = REQUESTS;
    static final int LEASE_WAITS = REQUESTS + 1;
    static final int RATE_LIMITED = REQUESTS + 2;
    static final int QUOTA_EXCEEDED = REQUESTS + 3;
    static final int LIMITS_UNAVAILABLE = REQUESTS + 4;

    /** The meters of a node with metrics off: recording into them is skipped. */
    static final ApiMeters OFF = new ApiMeters("", false);

    final String apiId;
    private final boolean enabled;
    private final LaneCounters counts = new LaneCounters(REQUESTS + 5);
    final LatencyHistogram duration = new LatencyHistogram();
    final LatencyHistogram upstreamDuration = new LatencyHistogram();

    ApiMeters(String apiId, boolean enabled) {
        this.apiId = apiId;
        this.enabled = enabled;
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
        int code = error != null ? error.ordinal() + 1 : clientGone ? CLIENT_GONE : 0;
        counts.increment(statusClass * CODES + code);
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
        return counts.sum(statusClass * CODES + code);
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
