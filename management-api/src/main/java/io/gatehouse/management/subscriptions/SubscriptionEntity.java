package io.gatehouse.management.subscriptions;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** An application's right to call an API under a plan. */
@Entity
@Table(name = "subscriptions")
public class SubscriptionEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "application_id")
    public UUID applicationId;
    @Column(name = "api_id")
    public UUID apiId;
    @Column(name = "plan_id")
    public UUID planId;
    @Enumerated(EnumType.STRING)
    public SubscriptionStatus status;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "billing_anchor")
    public Instant billingAnchor;
    /** When it was closed (the column keeps its first name, from when closing was called cancelling). */
    @Column(name = "cancelled_at")
    public Instant cancelledAt;
    /** Why an owner rejected or suspended it; the developer sees this. */
    public String reason;
}
