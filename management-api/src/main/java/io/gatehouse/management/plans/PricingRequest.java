package io.gatehouse.management.plans;

import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.rating.Tier;
import io.gatehouse.management.http.AdminError;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * What a plan costs per period; money in the currency's minor units (cents, yen). docs/billing.md has the rules.
 *
 * @param currency      ISO 4217 code, e.g. USD
 * @param basePrice     charged every period (0: pay as you go)
 * @param includedUnits requests the base price covers (default: the plan's monthly quota, else 0)
 * @param unitPrice     price of {@code per} requests past the included ones, when there are no tiers
 * @param per           1, 10, 100, ... requests per unitPrice and tier price (default 1)
 * @param tiers         graduated overage tiers; the last has no upTo
 */
public record PricingRequest(
        @NotBlank @Pattern(regexp = "[A-Za-z]{3}", message = "must be an ISO 4217 code such as USD") String currency,
        @Min(0) Long basePrice,
        @Min(0) Long includedUnits,
        @Min(0) Long unitPrice,
        @Min(1) @Max(Pricing.MAX_PER) Long per,
        @Size(max = 20) List<@Valid TierRequest> tiers) {

    public record TierRequest(@Min(1) Long upTo, @Min(0) long unitPrice, @Min(0) Long flatFee) {
    }

    /** The pricing as the rating takes it; a combination the rules refuse is a 400 validation_failed. */
    public Pricing toPricing(Long monthlyQuota) {
        try {
            return new Pricing(currency, nz(basePrice), includedUnits != null ? includedUnits : monthlyQuota == null ? 0 : monthlyQuota,
                    nz(unitPrice), per == null ? 1 : per,
                    tiers == null ? List.of() : tiers.stream().map(t -> new Tier(t.upTo(), t.unitPrice(), t.flatFee() == null ? 0 : t.flatFee())).toList());
        } catch (IllegalArgumentException e) {
            throw AdminError.VALIDATION_FAILED.with("pricing: " + e.getMessage());
        }
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
