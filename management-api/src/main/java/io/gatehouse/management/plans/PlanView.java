package io.gatehouse.management.plans;

import java.time.Instant;

public record PlanView(String id, String name, String description, Long ratePerSecond, Long burst, Long monthlyQuota,
                       QuotaMode quotaMode, FailureMode failureMode, boolean requiresApproval, Instant createdAt, Instant updatedAt) {
    public static PlanView of(PlanEntity p) {
        return new PlanView(p.id.toString(), p.name, p.description, p.ratePerSecond, p.burst, p.monthlyQuota, p.quotaMode,
                p.failureMode, p.requiresApproval, p.createdAt, p.updatedAt);
    }
}
