package io.gatehouse.management.apis;

import io.gatehouse.protocol.usage.VariantCounts;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests, errors and latency per API and variant, added up from every node's reports since the canary was last
 * set, promoted or rolled back. Kept in memory: a control plane restart starts the comparison afresh.
 */
@ApplicationScoped
public class CanaryMetrics {

    /** One variant's figures; latencies are the upper bound of the bucket the percentile falls in. */
    public record VariantView(long requests, long errors, double errorRate, Long p50Ms, Long p99Ms) {
    }

    private final Map<String, Map<String, long[]>> byApi = new ConcurrentHashMap<>();

    public void add(VariantCounts counts) {
        Map<String, long[]> variants = byApi.computeIfAbsent(counts.apiId(), id -> new ConcurrentHashMap<>());
        variants.merge(counts.variant(), counts.counts().clone(), (sum, more) -> {
            synchronized (sum) {
                for (int i = 0; i < Math.min(sum.length, more.length); i++) {
                    sum[i] += more[i];
                }
            }
            return sum;
        });
    }

    public void reset(String apiId) {
        byApi.remove(apiId);
    }

    public Map<String, VariantView> view(String apiId) {
        Map<String, VariantView> out = new LinkedHashMap<>();
        for (String variant : new String[] {"stable", "canary"}) {
            long[] counts = byApi.getOrDefault(apiId, Map.of()).get(variant);
            if (counts == null) {
                out.put(variant, new VariantView(0, 0, 0, null, null));
                continue;
            }
            synchronized (counts) {
                long requests = counts[0];
                out.put(variant, new VariantView(requests, counts[1], requests == 0 ? 0 : (double) counts[1] / requests,
                        percentile(counts, requests, 0.50), percentile(counts, requests, 0.99)));
            }
        }
        return out;
    }

    private static Long percentile(long[] counts, long requests, double p) {
        if (requests == 0) {
            return null;
        }
        long rank = (long) Math.ceil(requests * p);
        long seen = 0;
        for (int i = 2; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long bound = VariantCounts.BUCKET_BOUNDS_MS[i - 2];
                return bound == Long.MAX_VALUE ? null : bound;
            }
        }
        return null;
    }
}
