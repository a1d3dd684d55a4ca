package io.gatehouse.protocol.config;

import java.time.Instant;

/**
 * An active API key as the gateway sees it: only the SHA-256 of the key, never the key.
 *
 * @param expiresAt  when the gateway stops accepting it; null for never (a rotated key's grace period ends here)
 * @param suspension null while the key may be used; otherwise why its consumer is suspended (for example
 *                   {@code payment_failed}): the gateway refuses it with 402 and that reason, without forgetting it
 */
public record KeyGrant(
        String id,
        String keyHash,
        String applicationId,
        String consumerId,
        Instant expiresAt,
        String suspension) implements Identified {

    public KeyGrant(String id, String keyHash, String applicationId, String consumerId, Instant expiresAt) {
        this(id, keyHash, applicationId, consumerId, expiresAt, null);
    }
}
