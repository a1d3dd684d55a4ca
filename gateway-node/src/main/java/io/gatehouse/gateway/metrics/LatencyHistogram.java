package io.gatehouse.gateway.metrics;

/**
 * A latency histogram with fixed bounds: recording is a short scan of a constant array and two
 * {@link LaneCounters} additions (bucket and sum), so every event loop records without a lock, an atomic
 * instruction or an allocation. Buckets hold
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
    private static final int BUCKETS = BOUNDS_NANOS.length + 1;
    /** The buckets' counts, then the sum of the values recorded, in nanoseconds. */
    private static final int SUM = BUCKETS;
    private final LaneCounters counts = new LaneCounters(BUCKETS + 1);

    public void record(long nanos) {
        long value = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && value > BOUNDS_NANOS[i]) {
            i++;
        }
        counts.increment(i);
        counts.add(SUM, value);
    }

    /** Cumulative counts by bucket, the last being the total: one consistent read for {@code _bucket} and {@code _count}. */
    long[] cumulative() {
        long[] cumulative = new long[BUCKETS];
        long running = 0;
        for (int i = 0; i < BUCKETS; i++) {
            running += counts.sum(i);
            cumulative[i] = running;
        }
        return cumulative;
    }

    double sumSeconds() {
        return counts.sum(SUM) / 1e9;
    }

    public long count() {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += counts.sum(i);
        }
        return total;
    }
}
