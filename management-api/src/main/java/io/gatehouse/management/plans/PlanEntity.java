package io.gatehouse.management.plans;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "plans")
public class PlanEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    public String name;
    public String description;
    @Column(name = "rate_per_second")
    public Long ratePerSecond;
    public Long burst;
    @Column(name = "monthly_quota")
    public Long monthlyQuota;
    @Enumerated(EnumType.STRING)
    @Column(name = "quota_mode")
    public QuotaMode quotaMode;
    @Enumerated(EnumType.STRING)
    @Column(name = "failure_mode")
    public FailureMode failureMode;
    /** Subscriptions under this plan wait PENDING until an owner of the API approves them. */
    @Column(name = "requires_approval")
    public boolean requiresApproval;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
