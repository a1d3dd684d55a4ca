package io.gatehouse.billing.rating;

/**
 * One step of graduated overage pricing, as Stripe's graduated tiers: the overage units up to and including
 * {@code upTo} (null: every unit after the previous tier) cost {@code unitPrice} minor units per {@code Pricing.per}
 * units each, plus {@code flatFee} once when any unit falls in the tier.
 */
public record Tier(Long upTo, long unitPrice, long flatFee) {
    public Tier {
        if (upTo != null && upTo < 1) {
            throw new IllegalArgumentException("a tier's upTo must be at least 1");
        }
        if (unitPrice < 0 || flatFee < 0) {
            throw new IllegalArgumentException("tier prices cannot be negative");
        }
    }
}
