package io.gatehouse.management.billing;

import io.gatehouse.protocol.limits.QuotaPeriod;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * Which period of a subscription a calendar month reports. Periods are the quota's (calendar months in UTC, or months
 * from the subscription's billing anchor); a month reports the period that starts in it, so every period is reported
 * in exactly one month, anchored or not.
 */
public final class BillingPeriods {

    private BillingPeriods() {
    }

    public static Instant start(YearMonth month) {
        return month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public static Instant end(YearMonth month) {
        return start(month.plusMonths(1));
    }

    public static YearMonth of(Instant at) {
        return YearMonth.from(at.atOffset(ZoneOffset.UTC));
    }

    /** The subscription's period that starts within the month. */
    public static QuotaPeriod startingIn(YearMonth month, Instant anchor) {
        QuotaPeriod containing = QuotaPeriod.containing(start(month), anchor);
        return containing.start().isBefore(start(month)) ? QuotaPeriod.containing(containing.end(), anchor) : containing;
    }

    /** Seconds of the period the subscription existed for (the base price is prorated by them). */
    public static long activeSeconds(QuotaPeriod period, Instant createdAt, Instant closedAt) {
        Instant from = createdAt.isAfter(period.start()) ? createdAt : period.start();
        Instant to = closedAt != null && closedAt.isBefore(period.end()) ? closedAt : period.end();
        return Math.max(0, to.getEpochSecond() - from.getEpochSecond());
    }
}
