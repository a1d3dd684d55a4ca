package io.gatehouse.management.plans;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A plan's limits; omit a limit for none.
 *
 * @param ratePerSecond steady requests per second per consumer and API
 * @param burst         extra requests allowed at once above the steady rate (default: none)
 * @param monthlyQuota  requests per calendar month (UTC)
 * @param quotaMode     HARD (default) or SOFT
 * @param failureMode   OPEN (default) or CLOSED: what nodes do when the control plane cannot be reached
 * @param requiresApproval whether a developer's subscription waits for an owner's approval (default: no, active at once)
 * @param pricing       what the plan costs (docs/billing.md); omitted on a change, the price stays as it is
 */
public record PlanRequest(
        @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9 ._-]*", message = "may hold letters, digits, space, '.', '_' and '-'")
        String name,
        @Size(max = 2000) String description,
        @Min(1) @Max(1_000_000) Long ratePerSecond,
        @Min(0) @Max(1_000_000) Long burst,
        @Min(0) Long monthlyQuota,
        QuotaMode quotaMode,
        FailureMode failureMode,
        Boolean requiresApproval,
        @jakarta.validation.Valid PricingRequest pricing) {

    /** A plan without a price (free) and without approval, or a change that leaves both as they are. */
    public PlanRequest(String name, String description, Long ratePerSecond, Long burst, Long monthlyQuota, QuotaMode quotaMode,
                       FailureMode failureMode) {
        this(name, description, ratePerSecond, burst, monthlyQuota, quotaMode, failureMode, null, null);
    }
}
