package io.gatehouse.management.plans;

import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.rating.Tier;
import io.gatehouse.protocol.Json;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** One price version of a plan: it applies to the periods that start at or after {@code effectiveFrom}. */
@Entity
@Table(name = "plan_prices")
@IdClass(PlanPriceEntity.Key.class)
public class PlanPriceEntity extends PanacheEntityBase {
    @Id
    @Column(name = "plan_id")
    public UUID planId;
    @Id
    public int version;
    @Column(name = "effective_from")
    public Instant effectiveFrom;
    public String currency;
    @Column(name = "base_price")
    public long basePrice;
    @Column(name = "included_units")
    public long includedUnits;
    @Column(name = "unit_price")
    public long unitPrice;
    public long per;
    /** JSON array of tiers, null for a flat unit price. */
    public String tiers;
    @Column(name = "created_at")
    public Instant createdAt;

    public static class Key implements Serializable {
        public UUID planId;
        public int version;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(planId, k.planId) && version == k.version;
        }

        @Override
        public int hashCode() {
            return Objects.hash(planId, version);
        }
    }

    public Pricing pricing() {
        List<Tier> parsed = tiers == null ? List.of() : Arrays.asList(Json.read(tiers, Tier[].class));
        return new Pricing(currency, basePrice, includedUnits, unitPrice, per, parsed);
    }

    void set(Pricing pricing) {
        currency = pricing.currency();
        basePrice = pricing.basePrice();
        includedUnits = pricing.includedUnits();
        unitPrice = pricing.unitPrice();
        per = pricing.per();
        tiers = pricing.tiered() ? Json.write(pricing.tiers()) : null;
    }
}
