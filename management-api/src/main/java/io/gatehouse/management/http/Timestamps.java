package io.gatehouse.management.http;

import java.time.Instant;

/**
 * The range of instants the admin API accepts: from 2000-01-01 up to (not including) 2100-01-01, UTC. Anything
 * outside is a typo (year 20260), and PostgreSQL would store it happily while nothing else can read it back.
 */
public final class Timestamps {
    public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    public static final Instant LATEST_EXCLUSIVE = Instant.parse("2100-01-01T00:00:00Z");

    private Timestamps() {
    }

    /** Fails with 400 {@code timestamp_out_of_range} unless {@code value} is null or within the range. */
    public static Instant requireInRange(String field, Instant value) {
        if (value != null && (value.isBefore(EARLIEST) || !value.isBefore(LATEST_EXCLUSIVE))) {
            throw AdminError.TIMESTAMP_OUT_OF_RANGE.with(
                    field + " must be from " + EARLIEST + " up to (not including) " + LATEST_EXCLUSIVE + "; got " + value);
        }
        return value;
    }
}
