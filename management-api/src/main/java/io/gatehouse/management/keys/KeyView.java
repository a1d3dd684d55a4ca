package io.gatehouse.management.keys;

import java.time.Instant;

/** A key as it may be shown any time: its prefix, never the key or its hash. */
public record KeyView(String id, String applicationId, String prefix, String name, KeyState state, Instant createdAt,
                      Instant expiresAt, Instant revokedAt) {
    public static KeyView of(ApiKeyEntity k) {
        return new KeyView(k.id.toString(), k.applicationId.toString(), k.prefix, k.name, k.state(Instant.now()), k.createdAt,
                k.expiresAt, k.revokedAt);
    }
}
