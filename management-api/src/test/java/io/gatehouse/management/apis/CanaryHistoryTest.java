package io.gatehouse.management.apis;

import io.gatehouse.protocol.usage.VariantCounts;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The minute buckets behind the console's canary chart. */
class CanaryHistoryTest {
    private static final Instant NOW = Instant.parse("2026-11-30T10:30:20Z");

    private static VariantCounts report(String variant, long requests, long errors, int bucket) {
        long[] counts = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
        counts[0] = requests;
        counts[1] = errors;
        counts[2 + bucket] = requests;
        return new VariantCounts("api-1", variant, counts);
    }

    @Test
    void reportsAddUpPerMinuteAndVariantOverTheLastHour() {
        CanaryHistory history = new CanaryHistory();
        history.record(report("stable", 100, 1, 3), NOW.minus(10, ChronoUnit.MINUTES));
        history.record(report("stable", 50, 2, 3), NOW.minus(10, ChronoUnit.MINUTES).plusSeconds(5));
        history.record(report("canary", 10, 5, 7), NOW);

        CanaryHistory.Window window = history.lastHour("api-1", NOW);
        assertThat(window.minutes()).hasSize(60);
        assertThat(window.minutes().get(59).start()).isEqualTo(Instant.parse("2026-11-30T10:30:00Z"));
        CanaryHistory.Figures stable = window.minutes().get(49).stable();
        assertThat(stable.requests()).isEqualTo(150);
        assertThat(stable.errors()).isEqualTo(3);
        assertThat(stable.p99Ms()).isEqualTo(VariantCounts.BUCKET_BOUNDS_MS[3]);
        assertThat(window.minutes().get(59).canary().errorPercent()).isEqualTo("50.0");
        assertThat(window.stableTotal().requests()).isEqualTo(150);
        assertThat(window.canaryTotal().requests()).isEqualTo(10);
        assertThat(window.minutes().stream().filter(CanaryHistory.Minute::hasTraffic)).hasSize(2);
    }

    @Test
    void aMinuteLeavesTheWindowAfterAnHourAndALateOldReportWipesNothing() {
        CanaryHistory history = new CanaryHistory();
        history.record(report("stable", 100, 0, 2), NOW);
        // Sixty minutes earlier maps onto the same slot of the ring: it must neither count nor wipe the current minute.
        history.record(report("stable", 999, 999, 2), NOW.minus(60, ChronoUnit.MINUTES));
        assertThat(history.lastHour("api-1", NOW).stableTotal().requests()).isEqualTo(100);

        Instant later = NOW.plus(60, ChronoUnit.MINUTES);
        assertThat(history.lastHour("api-1", later).stableTotal().requests()).isZero();
        history.record(report("stable", 7, 0, 2), later);
        assertThat(history.lastHour("api-1", later).stableTotal().requests()).isEqualTo(7);
    }

    @Test
    void aP99PastTheLastBoundIsShownAsOverIt() {
        CanaryHistory history = new CanaryHistory();
        int overflow = VariantCounts.BUCKET_BOUNDS_MS.length - 1;
        history.record(report("canary", 10, 0, overflow), NOW);
        CanaryHistory.Figures canary = history.lastHour("api-1", NOW).canaryTotal();
        assertThat(canary.p99OverLastBound()).isTrue();
        assertThat(canary.p99Ms()).isEqualTo(10_000L);
    }

    @Test
    void anApiSilentForAnHourIsForgotten() {
        CanaryHistory history = new CanaryHistory();
        history.record(report("stable", 1, 0, 2), NOW);
        history.record(new VariantCounts("api-2", "stable", report("stable", 1, 0, 2).counts()), NOW.plus(61, ChronoUnit.MINUTES));
        assertThat(history.apis()).containsExactly("api-2");
    }
}
