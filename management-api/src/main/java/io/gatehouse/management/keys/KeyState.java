package io.gatehouse.management.keys;

import java.time.Instant;
import java.util.Set;

/**
 * An API key's lifecycle: ACTIVE until it is REVOKED or its expiry time passes (EXPIRED). Expiry is a fact of the
 * clock, not an action; revoking an expired key is allowed so that it stays dead if its expiry were ever misread.
 */
public enum KeyState {
    ACTIVE, REVOKED, EXPIRED;

    public Set<KeyState> next() {
        return switch (this) {
            case ACTIVE -> Set.of(REVOKED, EXPIRED);
            case EXPIRED -> Set.of(REVOKED);
            case REVOKED -> Set.of();
        };
    }

    public boolean canBecome(KeyState target) {
        return next().contains(target);
    }

    static KeyState of(Instant revokedAt, Instant expiresAt, Instant now) {
        if (revokedAt != null) {
            return REVOKED;
        }
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            return EXPIRED;
        }
        return ACTIVE;
    }
}
