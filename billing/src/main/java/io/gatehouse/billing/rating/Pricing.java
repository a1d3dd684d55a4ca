package io.gatehouse.billing.rating;

import java.util.List;

/**
 * What a plan costs per period.
 *
 * @param currency      ISO 4217 code
 * @param basePrice     charged every period, in minor units (zero for a pay-as-you-go plan)
 * @param includedUnits requests the base price covers; only a SOFT quota lets usage go past them
 * @param unitPrice     minor units per {@code per} overage units when there are no tiers
 * @param per           how many units {@code unitPrice} and tier prices are for: 1, 10, 100... so a price below one
 *                      minor unit per request (0.15 cents) is still a whole number (15 per 100)
 * @param tiers         graduated overage tiers over the units past {@code includedUnits}; empty for a flat unit price
 */
public record Pricing(String currency, long basePrice, long includedUnits, long unitPrice, long per, List<Tier> tiers) {
    /** Stripe accepts at most 12 decimals in a unit amount; per = 10^12 is the finest price that maps onto it. */
    public static final long MAX_PER = 1_000_000_000_000L;

    public Pricing {
        currency = Money.currencyCode(currency);
        tiers = tiers == null ? List.of() : List.copyOf(tiers);
        if (basePrice < 0 || includedUnits < 0 || unitPrice < 0) {
            throw new IllegalArgumentException("prices and included units cannot be negative");
        }
        if (per < 1 || per > MAX_PER || !powerOfTen(per)) {
            throw new IllegalArgumentException("per must be 1, 10, 100, ... up to 10^12");
        }
        Long previous = 0L;
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            boolean last = i == tiers.size() - 1;
            if (tier.upTo() == null ? !last : tier.upTo() <= previous) {
                throw new IllegalArgumentException("tiers must rise and only the last may be unbounded (upTo null)");
            }
            if (last && tier.upTo() != null) {
                throw new IllegalArgumentException("the last tier must be unbounded (upTo null)");
            }
            previous = tier.upTo();
        }
        if (!tiers.isEmpty() && unitPrice != 0) {
            throw new IllegalArgumentException("give either a unit price or tiers, not both");
        }
    }

    public boolean tiered() {
        return !tiers.isEmpty();
    }

    /** Whether anything is ever charged: a free plan needs no Stripe customer or subscription. */
    public boolean paid() {
        return basePrice > 0 || unitPrice > 0 || tiers.stream().anyMatch(t -> t.unitPrice() > 0 || t.flatFee() > 0);
    }

    static boolean powerOfTen(long n) {
        while (n % 10 == 0) {
            n /= 10;
        }
        return n == 1;
    }
}
