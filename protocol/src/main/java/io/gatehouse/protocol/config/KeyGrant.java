package io.gatehouse.protocol.config;

import java.time.Instant;

/** An active API key as the gateway sees it: only the SHA-256 of the key, never the key. */
public record KeyGrant(
        String id,
        String keyHash,
        String applicationId,
        String consumerId,
        Instant expiresAt) implements Identified {
}
