package io.gatehouse.billing.rating;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Rates one period of one subscription: the plan's base price (prorated when the subscription covered only part of
 * the period), the included units, and the overage past them, flat or in graduated tiers.
 *
 * <p>Rounding (docs/billing.md): each line is computed exactly as a fraction and rounded once, half up, to a whole
 * minor unit; the total is the sum of the rounded lines. A period is always rated from its whole usage, never as a
 * sum of smaller ratings, so no rounding accumulates across hours or periods.
 */
public final class Rating {

    private Rating() {
    }

    /**
     * @param overageBilled false for a HARD quota: requests past the quota are refused, so nothing is ever billed past
     *                      the included units, whatever the usage says
     * @param usedUnits     admitted requests in the period
     * @param activeSeconds how much of the period the subscription covered (equal to periodSeconds for a whole period)
     */
    public static Charge rate(Pricing pricing, boolean overageBilled, long usedUnits, long activeSeconds, long periodSeconds) {
        if (usedUnits < 0) {
            throw new IllegalArgumentException("usage cannot be negative");
        }
        if (periodSeconds <= 0 || activeSeconds < 0 || activeSeconds > periodSeconds) {
            throw new IllegalArgumentException("active time must be within the period");
        }
        List<LineItem> lines = new ArrayList<>();
        if (pricing.basePrice() > 0) {
            long base = activeSeconds == periodSeconds ? pricing.basePrice()
                    : divideHalfUp(BigInteger.valueOf(pricing.basePrice()).multiply(BigInteger.valueOf(activeSeconds)), periodSeconds);
            lines.add(new LineItem(LineItem.Kind.BASE, activeSeconds == periodSeconds ? "Base price"
                    : "Base price, prorated for " + activeSeconds + " of " + periodSeconds + " seconds", 1, base));
        }
        long included = Math.min(usedUnits, pricing.includedUnits());
        if (pricing.includedUnits() > 0) {
            lines.add(new LineItem(LineItem.Kind.INCLUDED, "Included requests (" + pricing.includedUnits() + " per period)", included, 0));
        }
        long overage = overageBilled ? overageUnits(pricing, usedUnits) : 0;
        if (overage > 0) {
            if (!pricing.tiered()) {
                lines.add(new LineItem(LineItem.Kind.OVERAGE, "Requests past the included ones at " + unit(pricing, pricing.unitPrice()),
                        overage, amount(overage, pricing.unitPrice(), pricing.per())));
            } else {
                long from = 0;
                for (Tier tier : pricing.tiers()) {
                    long upTo = tier.upTo() == null ? Long.MAX_VALUE : tier.upTo();
                    long inTier = Math.min(overage, upTo) - from;
                    if (inTier <= 0) {
                        break;
                    }
                    String range = (from + 1) + (tier.upTo() == null ? "+" : "–" + tier.upTo());
                    lines.add(new LineItem(LineItem.Kind.OVERAGE, "Overage requests " + range + " at " + unit(pricing, tier.unitPrice())
                            + (tier.flatFee() > 0 ? " + " + new Money(pricing.currency(), tier.flatFee()).format() + " flat" : ""),
                            inTier, Math.addExact(amount(inTier, tier.unitPrice(), pricing.per()), tier.flatFee())));
                    from = upTo;
                }
            }
        }
        long total = 0;
        for (LineItem line : lines) {
            total = Math.addExact(total, line.amount());
        }
        return new Charge(pricing.currency(), lines, usedUnits, overage, total);
    }

    /** The billable units past the included ones (what goes to Stripe's meter); the caller knows whether the quota is soft. */
    public static long overageUnits(Pricing pricing, long usedUnits) {
        return Math.max(0, usedUnits - pricing.includedUnits());
    }

    /** units × price / per, rounded half up to a whole minor unit. */
    static long amount(long units, long price, long per) {
        return divideHalfUp(BigInteger.valueOf(units).multiply(BigInteger.valueOf(price)), per);
    }

    private static long divideHalfUp(BigInteger numerator, long denominator) {
        return new BigDecimal(numerator).divide(BigDecimal.valueOf(denominator), 0, RoundingMode.HALF_UP).longValueExact();
    }

    /** "0.0015 USD per request", "1.50 USD per 1000 requests". */
    private static String unit(Pricing pricing, long price) {
        BigDecimal major = BigDecimal.valueOf(price, Money.exponent(pricing.currency()));
        return major.toPlainString() + " " + pricing.currency() + (pricing.per() == 1 ? " per request" : " per " + pricing.per() + " requests");
    }

    /**
     * A unit price as Stripe's {@code unit_amount_decimal} takes it: minor units per single unit, a decimal with at most
     * 12 places (exact, because {@code per} is a power of ten up to 10^12).
     */
    public static String stripeUnitAmountDecimal(long price, long per) {
        return new BigDecimal(BigInteger.valueOf(price)).divide(BigDecimal.valueOf(per)).stripTrailingZeros().toPlainString();
    }
}
