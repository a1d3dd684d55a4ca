package io.gatehouse.billing.stripe;

import java.time.Instant;
import java.util.UUID;

/**
 * The identifier of one meter event: the subscription, the period's start and the event's sequence within the period.
 * It is fixed when the event is written to the outbox, before anything is sent, so every retry, a resend after a
 * crash and a replay carry the same identifier, and Stripe (which refuses an identifier it has seen for at least 24
 * hours) and the idempotency key (the same string) make it count once.
 */
public record MeterEventId(UUID subscriptionId, Instant periodStart, long sequence) {
    public MeterEventId {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequences start at 1");
        }
    }

    /** "gh_3f0c..._1764547200_3": at most 100 characters, as Stripe requires. */
    public String identifier() {
        return "gh_" + subscriptionId + "_" + periodStart.getEpochSecond() + "_" + sequence;
    }
}
