package io.gatehouse.management.apis;

import io.gatehouse.protocol.usage.VariantCounts;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests, errors and latency per API and variant, minute by minute over the last hour: what the console's canary
 * chart draws. Unlike {@link CanaryMetrics} it is not reset when a canary is promoted or rolled back, so the hour
 * that led to the decision stays visible.
 * <p>
 * A node report is counted in the minute it reaches this control plane (nodes report every GATEHOUSE_USAGE_REPORT_MS, 1 s by default, so a
 * minute's figures are off by at most one report). Memory is bounded: per API and variant a ring of 60 minute
 * buckets, reused as time passes, and an API without a report for an hour is dropped.
 * <p>
 * This instance's minutes are also written to PostgreSQL ({@link CanaryStore}, every second), and the chart adds
 * up every instance's: nodes connected to any instance count, and a restarted instance's minutes stay.
 */
@ApplicationScoped
public class CanaryHistory {
    public static final int MINUTES = 60;
    static final String[] VARIANTS = {"stable", "canary"};
    /** requests, errors, then one count per latency bucket, as in {@link VariantCounts}. */
    private static final int WIDTH = 2 + VariantCounts.BUCKET_BOUNDS_MS.length;

    /** One minute of one variant. {@code p99Ms} is the upper bound of the bucket the 99th percentile falls in. */
    public record Figures(long requests, long errors, Long p99Ms, boolean p99OverLastBound) {
        static final Figures NONE = new Figures(0, 0, null, false);

        /** Errors per request, 0 to 1; 0 without requests. */
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        /** The error rate as a percentage with one decimal, e.g. "2.5". */
        public String errorPercent() {
            return String.format(java.util.Locale.ROOT, "%.1f", errorRate() * 100);
        }
    }

    /** One minute of the window: its start and each variant's figures. */
    public record Minute(Instant start, Figures stable, Figures canary) {
        public boolean hasTraffic() {
            return stable.requests() > 0 || canary.requests() > 0;
        }
    }

    /** The last hour, oldest minute first, the current (still filling) minute last; and each variant's hour in total. */
    public record Window(List<Minute> minutes, Figures stableTotal, Figures canaryTotal) {
    }

    /** This instance's count of one minute of one variant, as written to the database. */
    public record MinuteCounts(String apiId, String variant, long minute, long[] counts) {
    }

    private record Changed(String apiId, int variant, long minute) {
    }

    private final Map<String, Series[]> byApi = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();
    /** Minutes that received reports since they were last written to the database. */
    private final java.util.Set<Changed> changed = ConcurrentHashMap.newKeySet();

    public void record(VariantCounts counts, Instant at) {
        int variant = indexOf(counts.variant());
        if (variant < 0) {
            return;
        }
        long minute = at.getEpochSecond() / 60;
        sweep(minute);
        Series[] series = byApi.computeIfAbsent(counts.apiId(), id -> new Series[] {new Series(), new Series()});
        series[variant].add(minute, counts.counts());
        changed.add(new Changed(counts.apiId(), variant, minute));
    }

    /** The minutes changed since the last call, each with this instance's whole count of it so far. */
    public List<MinuteCounts> takeChanged() {
        List<MinuteCounts> out = new ArrayList<>();
        for (Changed c : changed) {
            changed.remove(c);
            Series[] series = byApi.get(c.apiId());
            long[] counts = series == null ? null : series[c.variant()].at(c.minute());
            if (counts != null) {
                out.add(new MinuteCounts(c.apiId(), VARIANTS[c.variant()], c.minute(), counts));
            }
        }
        return out;
    }

    /** Minutes whose write failed: written again with the next ones. */
    public void changedAgain(List<MinuteCounts> minutes) {
        minutes.forEach(m -> changed.add(new Changed(m.apiId(), indexOf(m.variant()), m.minute())));
    }

    /** The hour up to {@code now} as this instance received it. */
    public Window lastHour(String apiId, Instant now) {
        return lastHour(apiId, now, List.of());
    }

    /**
     * The hour up to {@code now}: {@link #MINUTES} minutes, those without reports at zero; this instance's counts
     * plus {@code others}' (other instances' minutes of this API).
     */
    public Window lastHour(String apiId, Instant now, List<MinuteCounts> others) {
        long current = now.getEpochSecond() / 60;
        Series[] series = byApi.get(apiId);
        List<Minute> minutes = new ArrayList<>(MINUTES);
        long[][] totals = {new long[WIDTH], new long[WIDTH]};
        for (long m = current - MINUTES + 1; m <= current; m++) {
            Figures[] figures = new Figures[2];
            for (int v = 0; v < 2; v++) {
                long[] counts = series == null ? null : series[v].at(m);
                for (MinuteCounts other : others) {
                    if (other.minute() == m && VARIANTS[v].equals(other.variant())) {
                        long[] sum = counts == null ? new long[WIDTH] : counts;
                        for (int i = 0; i < Math.min(WIDTH, other.counts().length); i++) {
                            sum[i] += other.counts()[i];
                        }
                        counts = sum[0] > 0 ? sum : counts;
                    }
                }
                figures[v] = counts == null ? Figures.NONE : figures(counts);
                if (counts != null) {
                    for (int i = 0; i < WIDTH; i++) {
                        totals[v][i] += counts[i];
                    }
                }
            }
            minutes.add(new Minute(Instant.ofEpochSecond(m * 60), figures[0], figures[1]));
        }
        return new Window(minutes, figures(totals[0]), figures(totals[1]));
    }

    /** The APIs this instance keeps minutes of (for tests of the bound). */
    java.util.Set<String> apis() {
        return java.util.Set.copyOf(byApi.keySet());
    }

    private static int indexOf(String variant) {
        for (int i = 0; i < VARIANTS.length; i++) {
            if (VARIANTS[i].equals(variant)) {
                return i;
            }
        }
        return -1;
    }

    static Figures figures(long[] counts) {
        long requests = counts[0];
        if (requests == 0) {
            return Figures.NONE;
        }
        long rank = (long) Math.ceil(requests * 0.99);
        long seen = 0;
        for (int i = 2; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long bound = VariantCounts.BUCKET_BOUNDS_MS[i - 2];
                return bound == Long.MAX_VALUE
                        ? new Figures(requests, counts[1], VariantCounts.BUCKET_BOUNDS_MS[i - 3], true)
                        : new Figures(requests, counts[1], bound, false);
            }
        }
        // Latency buckets that add up to fewer than the requests (a malformed report): no percentile to show.
        return new Figures(requests, counts[1], null, false);
    }

    /** Once a minute, forgets APIs that sent nothing for an hour (a canary that ended, an API that went away). */
    private void sweep(long minute) {
        long last = lastSweep.get();
        if (minute <= last || !lastSweep.compareAndSet(last, minute)) {
            return;
        }
        byApi.values().removeIf(series -> series[0].newest() <= minute - MINUTES && series[1].newest() <= minute - MINUTES);
    }

    /** A ring of minute buckets: slot {@code minute % MINUTES} holds that minute until the same slot comes round again. */
    private static final class Series {
        private final long[] minuteOf = new long[MINUTES];
        private final long[][] counts = new long[MINUTES][WIDTH];
        private long newest = Long.MIN_VALUE;

        synchronized void add(long minute, long[] more) {
            int slot = (int) Math.floorMod(minute, (long) MINUTES);
            if (minuteOf[slot] > minute) {
                // Older than the hour this slot now holds: outside the window, and it must not wipe a newer minute.
                return;
            }
            if (minuteOf[slot] != minute) {
                minuteOf[slot] = minute;
                java.util.Arrays.fill(counts[slot], 0);
            }
            for (int i = 0; i < Math.min(WIDTH, more.length); i++) {
                counts[slot][i] += more[i];
            }
            newest = Math.max(newest, minute);
        }

        synchronized long[] at(long minute) {
            int slot = (int) Math.floorMod(minute, (long) MINUTES);
            return minuteOf[slot] == minute && counts[slot][0] > 0 ? counts[slot].clone() : null;
        }

        synchronized long newest() {
            return newest;
        }
    }
}
