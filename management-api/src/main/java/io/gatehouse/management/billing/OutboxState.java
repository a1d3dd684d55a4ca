package io.gatehouse.management.billing;

import java.util.Set;

/**
 * A meter event's way through the outbox. PENDING: to send when due. SENT: handed to Stripe, answer not recorded yet
 * (after a crash it is sent again with the same identifier, which Stripe counts once). ACKNOWLEDGED: Stripe has it.
 * FAILED: Stripe refused it for good, with its error; finance sees it and bills it by hand.
 */
public enum OutboxState {
    PENDING, SENT, ACKNOWLEDGED, FAILED;

    public Set<OutboxState> next() {
        return switch (this) {
            case PENDING -> Set.of(SENT, FAILED);
            case SENT -> Set.of(ACKNOWLEDGED, PENDING, FAILED, SENT);
            case ACKNOWLEDGED, FAILED -> Set.of();
        };
    }

    public boolean canMoveTo(OutboxState target) {
        return next().contains(target);
    }
}
