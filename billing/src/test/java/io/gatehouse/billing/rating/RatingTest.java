package io.gatehouse.billing.rating;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RatingTest {
    private static final long MONTH = 30L * 24 * 3600;

    @Test
    void aSoftQuotaPlanChargesItsBaseAndEachRequestPastTheIncludedOnes() {
        // 49.00 USD a month, 10,000 requests included, then 0.15 cents per request (15 per 100).
        Pricing pricing = new Pricing("usd", 4900, 10_000, 15, 100, List.of());
        Charge charge = Rating.rate(pricing, true, 12_345, MONTH, MONTH);
        assertThat(charge.overageUnits()).isEqualTo(2_345);
        // 2,345 × 0.15 = 351.75 cents, rounded half up to 352.
        assertThat(charge.overageAmount()).isEqualTo(352);
        assertThat(charge.total()).isEqualTo(4900 + 352);
        assertThat(charge.money().format()).isEqualTo("52.52 USD");
        assertThat(charge.lines()).extracting(LineItem::kind)
                .containsExactly(LineItem.Kind.BASE, LineItem.Kind.INCLUDED, LineItem.Kind.OVERAGE);
    }

    @Test
    void aHardQuotaPlanNeverProducesOverage() {
        Pricing pricing = new Pricing("EUR", 1000, 100, 5, 1, List.of());
        Charge charge = Rating.rate(pricing, false, 5_000, MONTH, MONTH);
        assertThat(charge.overageUnits()).isZero();
        assertThat(charge.total()).isEqualTo(1000);
    }

    @Test
    void graduatedTiersChargeEachUnitAtTheTierItFallsIn() {
        // Overage 1–1000 at 2 cents, 1001–5000 at 1 cent + 5.00 flat, then half a cent.
        Pricing pricing = new Pricing("USD", 0, 500, 0, 10, List.of(
                new Tier(1000L, 20, 0), new Tier(5000L, 10, 500), new Tier(null, 5, 0)));
        Charge charge = Rating.rate(pricing, true, 500 + 6001, MONTH, MONTH);
        assertThat(charge.overageUnits()).isEqualTo(6001);
        assertThat(charge.lines()).filteredOn(l -> l.kind() == LineItem.Kind.OVERAGE).extracting(LineItem::units, LineItem::amount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1000L, 2000L), org.assertj.core.groups.Tuple.tuple(4000L, 4500L),
                        org.assertj.core.groups.Tuple.tuple(1001L, 501L));
        assertThat(charge.total()).isEqualTo(2000 + 4500 + 501);
    }

    @Test
    void currenciesKeepTheirOwnExponent() {
        assertThat(new Money("JPY", 1200).format()).isEqualTo("1200 JPY");
        assertThat(new Money("KWD", 1234).format()).isEqualTo("1.234 KWD");
        assertThat(Rating.stripeUnitAmountDecimal(15, 100)).isEqualTo("0.15");
        assertThatThrownBy(() -> new Money("XXQ", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pricing("USD", 0, 0, 1, 3, List.of())).hasMessageContaining("per must be");
        assertThatThrownBy(() -> new Pricing("USD", 0, 0, 0, 1, List.of(new Tier(10L, 1, 0))))
                .hasMessageContaining("last tier must be unbounded");
    }

    @Test
    void aSubscriptionStartedMidPeriodPaysTheBaseForTheTimeItHad() {
        Pricing pricing = new Pricing("USD", 3000, 0, 0, 1, List.of());
        assertThat(Rating.rate(pricing, true, 0, MONTH / 3, MONTH).total()).isEqualTo(1000);
        assertThat(Rating.rate(pricing, true, 0, 1, MONTH).total()).isZero();
    }

    /**
     * Random plans and usages: a charge is the sum of its lines, never negative, each line within half a minor unit of
     * the exact amount; overage reported in increments adds up to the period's overage exactly; and the charge only
     * grows with usage, so no rounding drifts as a period's usage comes in.
     */
    @Test
    void chargesOverRandomPlansAndUsagesAddUpExactly() {
        Random random = new Random(20261130);
        for (int round = 0; round < 2_000; round++) {
            Pricing pricing = randomPricing(random);
            boolean soft = random.nextBoolean();
            long used = random.nextInt(4) == 0 ? random.nextInt(50) : (long) (random.nextDouble() * 2_000_000);
            Charge charge = Rating.rate(pricing, soft, used, MONTH, MONTH);
            assertThat(charge.total()).isEqualTo(charge.lines().stream().mapToLong(LineItem::amount).sum());
            assertThat(charge.total()).isNotNegative();
            assertThat(charge.lines()).allSatisfy(l -> assertThat(l.amount()).isNotNegative());
            assertThat(charge.overageUnits()).isEqualTo(soft ? Math.max(0, used - pricing.includedUnits()) : 0);
            assertThat(charge.lines().stream().filter(l -> l.kind() == LineItem.Kind.OVERAGE).mapToLong(LineItem::units).sum())
                    .isEqualTo(charge.overageUnits());
            BigDecimal exact = exactOverage(pricing, charge.overageUnits());
            long lines = charge.lines().stream().filter(l -> l.kind() == LineItem.Kind.OVERAGE).count();
            assertThat(BigDecimal.valueOf(charge.overageAmount()).subtract(exact).abs())
                    .isLessThanOrEqualTo(BigDecimal.valueOf(lines).multiply(new BigDecimal("0.5")));

            // The period's usage arrives hour by hour: the overage reported as the difference to what was reported
            // before sums to the final overage, and the projected charge never falls.
            long reported = 0;
            long seen = 0;
            long previousTotal = Rating.rate(pricing, soft, 0, MONTH, MONTH).total();
            List<Long> increments = split(random, used);
            for (long increment : increments) {
                seen += increment;
                Charge projected = Rating.rate(pricing, soft, seen, MONTH, MONTH);
                long delta = projected.overageUnits() - reported;
                assertThat(delta).isNotNegative();
                reported += delta;
                assertThat(projected.total()).isGreaterThanOrEqualTo(previousTotal);
                previousTotal = projected.total();
            }
            assertThat(reported).isEqualTo(charge.overageUnits());
            assertThat(previousTotal).isEqualTo(charge.total());
        }
    }

    /** Rating is not what limits billing: 10,000 subscriptions' periods rate in milliseconds (figure in docs/benchmarks.md). */
    @Test
    void tenThousandSubscriptionsRateQuickly() {
        Random random = new Random(7);
        List<Pricing> plans = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            plans.add(randomPricing(random));
        }
        long total = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            total += Rating.rate(plans.get(i % plans.size()), true, random.nextInt(3_000_000), MONTH, MONTH).lines().size();
        }
        long micros = (System.nanoTime() - start) / 1_000;
        System.out.println("rated 10,000 subscription periods in " + micros / 1000 + " ms (" + total + " line items)");
        assertThat(total).isGreaterThanOrEqualTo(10_000);
        assertThat(micros).isLessThan(10_000_000);
    }

    private static Pricing randomPricing(Random random) {
        String[] currencies = {"USD", "EUR", "JPY", "KWD", "GBP"};
        long per = (long) Math.pow(10, random.nextInt(5));
        long base = random.nextInt(3) == 0 ? 0 : random.nextInt(100_000);
        long included = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000);
        if (random.nextBoolean()) {
            return new Pricing(currencies[random.nextInt(currencies.length)], base, included, random.nextInt(5_000), per, List.of());
        }
        List<Tier> tiers = new ArrayList<>();
        long upTo = 0;
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            boolean last = i == count - 1;
            upTo += 1 + random.nextInt(500_000);
            tiers.add(new Tier(last ? null : upTo, random.nextInt(5_000), random.nextInt(3) == 0 ? random.nextInt(10_000) : 0));
        }
        return new Pricing(currencies[random.nextInt(currencies.length)], base, included, 0, per, tiers);
    }

    /** The overage's exact value as a fraction, without rounding. */
    private static BigDecimal exactOverage(Pricing pricing, long overage) {
        if (overage == 0) {
            return BigDecimal.ZERO;
        }
        if (!pricing.tiered()) {
            return new BigDecimal(BigInteger.valueOf(overage).multiply(BigInteger.valueOf(pricing.unitPrice())))
                    .divide(BigDecimal.valueOf(pricing.per()), 12, RoundingMode.UNNECESSARY);
        }
        BigDecimal sum = BigDecimal.ZERO;
        long from = 0;
        for (Tier tier : pricing.tiers()) {
            long upTo = tier.upTo() == null ? Long.MAX_VALUE : tier.upTo();
            long in = Math.min(overage, upTo) - from;
            if (in <= 0) {
                break;
            }
            sum = sum.add(new BigDecimal(BigInteger.valueOf(in).multiply(BigInteger.valueOf(tier.unitPrice())))
                    .divide(BigDecimal.valueOf(pricing.per()), 12, RoundingMode.UNNECESSARY)).add(BigDecimal.valueOf(tier.flatFee()));
            from = upTo;
        }
        return sum;
    }

    private static List<Long> split(Random random, long total) {
        List<Long> parts = new ArrayList<>();
        long left = total;
        while (left > 0) {
            long part = Math.min(left, 1 + (long) (random.nextDouble() * Math.max(1, total / 5)));
            parts.add(part);
            left -= part;
        }
        return parts;
    }
}
