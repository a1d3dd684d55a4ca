package io.gatehouse.management.billing;

import java.time.Instant;

/** A meter event as finance sees it: what was reported to Stripe, and where it stands. */
public record OutboxEvent(String identifier, String consumerId, String consumer, String subscriptionId, Instant periodStart, long sequence,
                          long units, Instant eventTime, OutboxState state, int attempts, boolean stale, String errorCode, String errorMessage,
                          Instant createdAt, Instant acknowledgedAt) {
    /** The state in lower case, for the page's styling. */
    public String stateName() {
        return state.name().toLowerCase(java.util.Locale.ROOT);
    }
}
