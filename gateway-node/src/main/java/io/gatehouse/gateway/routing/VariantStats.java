package io.gatehouse.gateway.routing;

import java.util.concurrent.atomic.LongAdder;

/**
 * Requests, errors and latency of one variant of an API on this node, for the owner deciding on a canary.
 * Latency is kept as counts in fixed buckets (milliseconds, upper bounds), so nodes' reports simply add up.
 */
public final class VariantStats {
    private static final long[] BUCKET_BOUNDS_MS = io.gatehouse.protocol.usage.VariantCounts.BUCKET_BOUNDS_MS;
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder[] buckets = new LongAdder[BUCKET_BOUNDS_MS.length];

    public VariantStats() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** @param error a 5xx answer, or no answer at all */
    public void record(long latencyNanos, boolean error) {
        requests.increment();
        if (error) {
            errors.increment();
        }
        long ms = latencyNanos / 1_000_000;
        int i = 0;
        while (ms > BUCKET_BOUNDS_MS[i]) {
            i++;
        }
        buckets[i].increment();
    }

    /** Counts since the last call: requests, errors, then one count per latency bucket. */
    public long[] drain() {
        long[] out = new long[2 + buckets.length];
        out[0] = requests.sumThenReset();
        out[1] = errors.sumThenReset();
        for (int i = 0; i < buckets.length; i++) {
            out[2 + i] = buckets[i].sumThenReset();
        }
        return out;
    }
}
