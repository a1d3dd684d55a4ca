package io.gatehouse.management.apis;

import io.gatehouse.protocol.usage.VariantCounts;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests, errors and latency per API and variant, added up from every node's reports since the canary was last
 * set, promoted or rolled back. What this instance received is held here only until {@link CanaryStore} adds it to
 * the database (every second); the figures shown are the database's sum over every instance plus what is held here.
 */
@ApplicationScoped
public class CanaryMetrics {

    /** One variant's figures; latencies are the upper bound of the bucket the percentile falls in. */
    public record VariantView(long requests, long errors, double errorRate, Long p50Ms, Long p99Ms) {
    }

    /** Received and not yet written to the database. */
    private final Map<String, Map<String, long[]>> byApi = new ConcurrentHashMap<>();

    /** Synchronized with {@link #takePending}: a report must not land in counts already taken. */
    public synchronized void add(VariantCounts counts) {
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

    /** Forgets what this instance holds of an API (the database's rows are deleted by {@link CanaryStore#reset}). */
    synchronized void reset(String apiId) {
        byApi.remove(apiId);
    }

    /** What was received since the last call, taken out to be added to the database. */
    synchronized List<VariantCounts> takePending() {
        List<VariantCounts> out = new ArrayList<>();
        for (String apiId : byApi.keySet()) {
            Map<String, long[]> variants = byApi.remove(apiId);
            if (variants != null) {
                variants.forEach((variant, counts) -> {
                    synchronized (counts) {
                        out.add(new VariantCounts(apiId, variant, counts.clone()));
                    }
                });
            }
        }
        return out;
    }

    /** Counts whose write failed: held again, to go with the next write. */
    void pendingAgain(List<VariantCounts> counts) {
        counts.forEach(this::add);
    }

    /** This instance's figures alone (what it has not written yet). */
    public Map<String, VariantView> view(String apiId) {
        return view(apiId, Map.of());
    }

    /** The figures: {@code stored} (the database's sum over instances, by variant) plus what this instance holds. */
    synchronized Map<String, VariantView> view(String apiId, Map<String, long[]> stored) {
        Map<String, VariantView> out = new LinkedHashMap<>();
        for (String variant : new String[] {"stable", "canary"}) {
            long[] held = byApi.getOrDefault(apiId, Map.of()).get(variant);
            long[] counts = stored.containsKey(variant) ? stored.get(variant).clone() : new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
            if (held != null) {
                synchronized (held) {
                    for (int i = 0; i < Math.min(held.length, counts.length); i++) {
                        counts[i] += held[i];
                    }
                }
            }
            long requests = counts[0];
            out.put(variant, new VariantView(requests, counts[1], requests == 0 ? 0 : (double) counts[1] / requests,
                    percentile(counts, requests, 0.50), percentile(counts, requests, 0.99)));
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
