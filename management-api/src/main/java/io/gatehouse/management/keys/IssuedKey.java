package io.gatehouse.management.keys;

import java.time.Instant;

/** The one answer that carries the key: it cannot be read again. */
public record IssuedKey(String id, String applicationId, String key, String prefix, String name, Instant createdAt, Instant expiresAt) {
}
