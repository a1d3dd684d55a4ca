package io.gatehouse.management.keys;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** An API key of an application. Only its SHA-256 is stored; the key itself is shown once, when it is created. */
@Entity
@Table(name = "api_keys")
public class ApiKeyEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "application_id")
    public UUID applicationId;
    @Column(name = "key_hash")
    public String keyHash;
    public String prefix;
    /** What the developer called it; null for keys issued without a name. */
    public String name;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "expires_at")
    public Instant expiresAt;
    @Column(name = "revoked_at")
    public Instant revokedAt;

    public KeyState state(Instant now) {
        return KeyState.of(revokedAt, expiresAt, now);
    }
}
