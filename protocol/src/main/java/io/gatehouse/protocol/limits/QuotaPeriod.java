package io.gatehouse.protocol.limits;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * A monthly quota period, half-open {@code [start, end)}. Calendar months in UTC, or, for a subscription with a
 * billing anchor, months that start on the anchor's day and time (clamped to the month's last day: an anchor on
 * the 31st starts February's period on the 28th or 29th). The gateway and the control plane must agree on this
 * to the instant, so it is computed here and nowhere else.
 */
public record QuotaPeriod(Instant start, Instant end) {

    public static QuotaPeriod containing(Instant at, Instant anchor) {
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        if (anchor == null) {
            ZonedDateTime start = t.withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC);
            return new QuotaPeriod(start.toInstant(), start.plusMonths(1).toInstant());
        }
        ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
        ZonedDateTime candidate = anchorIn(t.getYear(), t.getMonthValue(), a);
        if (candidate.isAfter(t)) {
            ZonedDateTime previous = t.minusMonths(1);
            candidate = anchorIn(previous.getYear(), previous.getMonthValue(), a);
        }
        ZonedDateTime next = candidate.plusMonths(1);
        return new QuotaPeriod(candidate.toInstant(), anchorIn(next.getYear(), next.getMonthValue(), a).toInstant());
    }

    private static ZonedDateTime anchorIn(int year, int month, ZonedDateTime anchor) {
        ZonedDateTime first = ZonedDateTime.of(year, month, 1, anchor.getHour(), anchor.getMinute(), anchor.getSecond(), 0, ZoneOffset.UTC);
        int day = Math.min(anchor.getDayOfMonth(), first.toLocalDate().lengthOfMonth());
        return first.withDayOfMonth(day);
    }

    public boolean contains(Instant at) {
        return !at.isBefore(start) && at.isBefore(end);
    }
}
