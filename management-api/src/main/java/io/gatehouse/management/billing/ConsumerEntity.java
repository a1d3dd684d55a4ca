package io.gatehouse.management.billing;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.util.UUID;

/**
 * A consumer as billing changes it: only whether it is suspended. Billing's own mapping of the consumers table, named
 * like the consumers package's so that change records read {@code consumer} with the consumer's id, and a suspension
 * shows in that consumer's history beside every other change to it.
 */
@Entity(name = "BillingConsumer")
@Table(name = "consumers")
public class ConsumerEntity extends PanacheEntityBase {
    /** Why the gateways refuse a suspended consumer's keys (402 payment_required). */
    public static final String PAYMENT_FAILED = "payment_failed";

    @Id
    public UUID id;
    public String username;
    @Column(name = "suspended_reason")
    public String suspendedReason;
}
