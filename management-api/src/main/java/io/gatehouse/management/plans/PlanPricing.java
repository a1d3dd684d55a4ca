package io.gatehouse.management.plans;

import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.management.changes.ChangeLog;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Plan prices and their versions. A plan's first price applies at once (to the periods already running); every later
 * change is a new version that applies to the periods starting after it was made, so nobody's current period changes
 * price under them (subscriptions with a billing anchor start their periods on other days than the 1st, so every
 * change is kept as its own version).
 */
public final class PlanPricing {

    private PlanPricing() {
    }

    /** The price versions of a plan, newest first. */
    public static Uni<List<PlanPriceEntity>> versions(UUID planId) {
        return PlanPriceEntity.<PlanPriceEntity>list("planId = ?1 order by version desc", planId);
    }

    /** Every version of these plans, by plan, newest first. */
    public static Uni<Map<UUID, List<PlanPriceEntity>>> versions(Collection<UUID> planIds) {
        if (planIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return PlanPriceEntity.<PlanPriceEntity>list("planId in ?1", List.copyOf(planIds)).map(all -> {
            Map<UUID, List<PlanPriceEntity>> byPlan = new HashMap<>();
            all.stream().sorted(Comparator.comparingInt((PlanPriceEntity p) -> p.version).reversed())
                    .forEach(p -> byPlan.computeIfAbsent(p.planId, k -> new java.util.ArrayList<>()).add(p));
            return byPlan;
        });
    }

    /** The version pricing a period that starts at {@code periodStart}: the newest one in effect by then; null for a free plan. */
    public static PlanPriceEntity pricing(List<PlanPriceEntity> newestFirst, Instant periodStart) {
        for (PlanPriceEntity p : newestFirst) {
            if (!p.effectiveFrom.isAfter(periodStart)) {
                return p;
            }
        }
        return null;
    }

    /** Sets a plan's price inside the change that is being made; the new version is noted in the change log. */
    public static Uni<PlanPriceEntity> set(ChangeLog log, PlanEntity plan, PricingRequest request, Instant now) {
        Pricing pricing = request.toPricing(plan.monthlyQuota);
        return versions(plan.id).chain(existing -> {
            PlanPriceEntity latest = existing.isEmpty() ? null : existing.get(0);
            PlanPriceEntity version = new PlanPriceEntity();
            version.planId = plan.id;
            version.version = latest == null ? 1 : latest.version + 1;
            // The first price applies to periods already running; later ones from the next period on.
            version.effectiveFrom = latest == null ? Instant.EPOCH : now;
            version.createdAt = now;
            version.set(pricing);
            return version.<PlanPriceEntity>persist().invoke(log::created);
        });
    }
}
