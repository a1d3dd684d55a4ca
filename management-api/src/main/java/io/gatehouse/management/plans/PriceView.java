package io.gatehouse.management.plans;

import io.gatehouse.billing.rating.Money;
import io.gatehouse.billing.rating.Tier;

import java.time.Instant;
import java.util.List;

/**
 * A price version of a plan as the admin API shows it; amounts in minor units, {@code display} for people.
 *
 * @param effectiveFrom the version prices the periods that start at or after this instant
 */
public record PriceView(int version, Instant effectiveFrom, String currency, long basePrice, long includedUnits, long unitPrice,
                        long per, List<Tier> tiers, String display) {
    public static PriceView of(PlanPriceEntity p) {
        var pricing = p.pricing();
        String overage = pricing.tiered() ? pricing.tiers().size() + " graduated tiers"
                : new Money(p.currency, p.unitPrice).format() + (p.per == 1 ? " per request" : " per " + p.per + " requests");
        String display = new Money(p.currency, p.basePrice).format() + " per period, " + p.includedUnits + " requests included, then " + overage;
        return new PriceView(p.version, p.effectiveFrom, p.currency, p.basePrice, p.includedUnits, p.unitPrice, p.per, pricing.tiers(), display);
    }
}
