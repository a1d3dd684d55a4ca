package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.metrics.LaneCounters;

/**
 * Requests, errors and latency of one variant of an API on this node, for the owner deciding on a canary.
 * Latency is kept as counts in fixed buckets (milliseconds, upper bounds), so nodes' reports simply add up.
 */
public final class VariantStats {
    private static final long[] BUCKET_BOUNDS_MS = io.gatehouse.protocol.usage.VariantCounts.BUCKET_BOUNDS_MS;
    private static final int REQUESTS = 0;
    private static final int ERRORS = 1;
    private static final int BUCKETS = 2;
    /** Requests, errors, then one count per latency bucket: the layout {@link #drain} reports. */
    private final LaneCounters counts = new LaneCounters(BUCKETS + BUCKET_BOUNDS_MS.length);

    /** @param error a 5xx answer, or no answer at all */
    public void record(long latencyNanos, boolean error) {
        counts.increment(REQUESTS);
        if (error) {
            counts.increment(ERRORS);
        }
        long ms = latencyNanos / 1_000_000;
        int i = 0;
        while (ms > BUCKET_BOUNDS_MS[i]) {
            i++;
        }
        counts.increment(BUCKETS + i);
    }

    /** Counts since the last call: requests, errors, then one count per latency bucket. */
    public long[] drain() {
        long[] out = new long[BUCKETS + BUCKET_BOUNDS_MS.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts.drain(i);
        }
        return out;
    }
}
