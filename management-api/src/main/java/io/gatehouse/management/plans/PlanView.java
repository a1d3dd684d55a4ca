package io.gatehouse.management.plans;

import java.time.Instant;
import java.util.List;

/**
 * @param pricing     the price of this calendar month's periods; null for a free plan
 * @param nextPricing a price change that applies from the next period; null when none is scheduled
 */
public record PlanView(String id, String name, String description, Long ratePerSecond, Long burst, Long monthlyQuota,
                       QuotaMode quotaMode, FailureMode failureMode, boolean requiresApproval, Instant createdAt, Instant updatedAt,
                       PriceView pricing, PriceView nextPricing) {
    public static PlanView of(PlanEntity p) {
        return of(p, List.of());
    }

    public static PlanView of(PlanEntity p, List<PlanPriceEntity> newestFirst) {
        // "Current" is the price of this calendar month's periods; a later version is the next one.
        Instant monthStart = io.gatehouse.protocol.limits.QuotaPeriod.containing(Instant.now(), null).start();
        PlanPriceEntity current = PlanPricing.pricing(newestFirst, monthStart);
        PlanPriceEntity next = newestFirst.isEmpty() || newestFirst.get(0) == current ? null : newestFirst.get(0);
        return new PlanView(p.id.toString(), p.name, p.description, p.ratePerSecond, p.burst, p.monthlyQuota, p.quotaMode,
                p.failureMode, p.requiresApproval, p.createdAt, p.updatedAt, current == null ? null : PriceView.of(current),
                next == null ? null : PriceView.of(next));
    }
}
