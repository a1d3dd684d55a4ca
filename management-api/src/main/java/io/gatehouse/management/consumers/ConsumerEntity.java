package io.gatehouse.management.consumers;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A developer or organisation that calls APIs through its applications. */
@Entity
@Table(name = "consumers")
public class ConsumerEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    public String username;
    public String email;
    /** The self-registered account this consumer belongs to; null for consumers an administrator made. */
    @Column(name = "user_id")
    public UUID userId;
    @Column(name = "created_at")
    public Instant createdAt;
    /**
     * Why the gateways refuse this consumer's keys (402 payment_required with the reason); null while they may be used.
     * Billing sets and lifts {@code payment_failed}; a suspension for another reason is never lifted by billing.
     */
    @Column(name = "suspended_reason")
    public String suspendedReason;
}
