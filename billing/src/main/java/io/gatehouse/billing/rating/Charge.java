package io.gatehouse.billing.rating;

import java.util.List;

/**
 * A period's charge for one subscription: its lines and their sum. The total is always the sum of the lines: lines
 * are rounded one by one, never the total on its own.
 *
 * @param overageUnits units past the included ones that are billed (zero under a hard quota)
 */
public record Charge(String currency, List<LineItem> lines, long usedUnits, long overageUnits, long total) {
    public Charge {
        lines = List.copyOf(lines);
        long sum = 0;
        for (LineItem line : lines) {
            sum = Math.addExact(sum, line.amount());
        }
        if (sum != total) {
            throw new IllegalStateException("a charge's total must be the sum of its lines");
        }
    }

    public Money money() {
        return new Money(currency, total);
    }

    public long overageAmount() {
        return lines.stream().filter(l -> l.kind() == LineItem.Kind.OVERAGE).mapToLong(LineItem::amount).sum();
    }

    public long baseAmount() {
        return lines.stream().filter(l -> l.kind() == LineItem.Kind.BASE).mapToLong(LineItem::amount).sum();
    }
}
