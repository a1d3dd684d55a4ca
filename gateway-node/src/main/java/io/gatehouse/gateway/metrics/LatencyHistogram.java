package io.gatehouse.gateway.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram with fixed bounds: recording is a short scan of a constant array and one {@link LongAdder}
 * increment per bucket and sum, so every event loop records without a lock and without allocating. Buckets hold
 * their own counts; they are summed into Prometheus's cumulative buckets only when scraped.
 */
public final class LatencyHistogram {
    /** Upper bounds in seconds, as exported ({@code le}); from half a millisecond to a minute. */
    static final double[] BOUNDS_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];
    static final String[] LE = new String[BOUNDS_SECONDS.length + 1];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
            LE[i] = PrometheusText.number(BOUNDS_SECONDS[i]);
        }
        LE[BOUNDS_SECONDS.length] = "+Inf";
    }

    /** Count per bucket (not cumulative); the last one is above every bound. */
    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    public void record(long nanos) {
        long value = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && value > BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(value);
    }

    /** Cumulative counts by bucket, the last being the total: one consistent read for {@code _bucket} and {@code _count}. */
    long[] cumulative() {
        long[] counts = new long[buckets.length];
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            counts[i] = running;
        }
        return counts;
    }

    double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }

    public long count() {
        long total = 0;
        for (LongAdder bucket : buckets) {
            total += bucket.sum();
        }
        return total;
    }
}
