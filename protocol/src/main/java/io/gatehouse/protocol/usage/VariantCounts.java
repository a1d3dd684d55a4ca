package io.gatehouse.protocol.usage;

/**
 * Traffic of one variant ({@code stable} or {@code canary}) of an API on one node since its last report:
 * {@code counts[0]} requests, {@code counts[1]} errors (5xx, or no answer), then one count per latency bucket
 * whose upper bounds, in milliseconds, are {@link #BUCKET_BOUNDS_MS}. Reports from several nodes add up.
 */
public record VariantCounts(String apiId, String variant, long[] counts) {
    public static final long[] BUCKET_BOUNDS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, Long.MAX_VALUE};
}
