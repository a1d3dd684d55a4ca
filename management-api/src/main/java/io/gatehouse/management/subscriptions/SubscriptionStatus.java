package io.gatehouse.management.subscriptions;

import java.util.List;
import java.util.Set;

/**
 * A subscription's lifecycle. Only ACTIVE subscriptions let an application's keys call the API. A developer's request
 * waits as PENDING until an owner approves it (ACTIVE) or rejects it with a reason (REJECTED); an owner may SUSPEND an
 * active one and resume it; CLOSED ends it for good. REJECTED and CLOSED are kept as history.
 */
public enum SubscriptionStatus {
    PENDING, ACTIVE, SUSPENDED, REJECTED, CLOSED;

    /** States that hold the application's one open subscription to an API. */
    public static final List<SubscriptionStatus> LIVE = List.of(PENDING, ACTIVE, SUSPENDED);

    public Set<SubscriptionStatus> next() {
        return switch (this) {
            case PENDING -> Set.of(ACTIVE, REJECTED, CLOSED);
            case ACTIVE -> Set.of(SUSPENDED, CLOSED);
            case SUSPENDED -> Set.of(ACTIVE, CLOSED);
            case REJECTED, CLOSED -> Set.of();
        };
    }

    public boolean canBecome(SubscriptionStatus target) {
        return next().contains(target);
    }

    public boolean live() {
        return LIVE.contains(this);
    }
}
