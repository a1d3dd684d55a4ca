package io.gatehouse.management.billing;

import io.gatehouse.billing.rating.LineItem;

import java.time.Instant;
import java.util.List;

/**
 * One subscription's charge for one period, as finance reads it. Amounts in minor units of {@code currency}; the
 * {@code display} fields show them with the currency's exponent.
 *
 * @param quotaMode HARD or SOFT: only SOFT ever has overage
 * @param sent      whether the charge goes to Stripe (false when billing runs without a Stripe key)
 */
public record ChargeRow(String consumerId, String consumer, String subscriptionId, String application, String api, String planId,
                        String plan, String quotaMode, Instant periodStart, Instant periodEnd, String currency, long usedUnits,
                        long includedUnits, long overageUnits, long baseAmount, long overageAmount, long total, String totalDisplay,
                        List<LineItem> lines, boolean sent) {
    /** "Base price: 10.00 USD", "Requests past the included ones at 0.005 USD per request (83): 0.42 USD". */
    public List<String> lineDisplays() {
        return lines.stream().map(l -> l.description() + (l.kind() == LineItem.Kind.BASE ? "" : " (" + l.units() + ")") + ": "
                + new io.gatehouse.billing.rating.Money(currency, l.amount()).format()).toList();
    }
}
