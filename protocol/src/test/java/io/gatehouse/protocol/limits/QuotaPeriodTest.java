package io.gatehouse.protocol.limits;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class QuotaPeriodTest {

    @Test
    void withoutAnAnchorPeriodsAreCalendarMonthsInUtc() {
        QuotaPeriod period = QuotaPeriod.containing(Instant.parse("2026-02-14T23:59:59Z"), null);
        assertThat(period.start()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(period.end()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(period.contains(Instant.parse("2026-03-01T00:00:00Z"))).as("half-open").isFalse();
        assertThat(QuotaPeriod.containing(Instant.parse("2026-03-01T00:00:00Z"), null).start()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    }

    @Test
    void anAnchorStartsEachPeriodOnItsDayAndTime() {
        Instant anchor = Instant.parse("2025-07-15T10:30:00Z");
        QuotaPeriod before = QuotaPeriod.containing(Instant.parse("2026-11-15T10:29:59Z"), anchor);
        assertThat(before.start()).isEqualTo(Instant.parse("2026-10-15T10:30:00Z"));
        assertThat(before.end()).isEqualTo(Instant.parse("2026-11-15T10:30:00Z"));
        QuotaPeriod after = QuotaPeriod.containing(Instant.parse("2026-11-15T10:30:00Z"), anchor);
        assertThat(after.start()).isEqualTo(Instant.parse("2026-11-15T10:30:00Z"));
    }

    @Test
    void anAnchorOnTheThirtyFirstIsClampedToShortMonths() {
        Instant anchor = Instant.parse("2026-01-31T00:00:00Z");
        QuotaPeriod february = QuotaPeriod.containing(Instant.parse("2026-03-10T00:00:00Z"), anchor);
        assertThat(february.start()).isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));
        assertThat(february.end()).isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
    }
}
