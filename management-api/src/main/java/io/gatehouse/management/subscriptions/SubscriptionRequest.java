package io.gatehouse.management.subscriptions;

import jakarta.validation.constraints.NotBlank;

import java.time.Instant;

/** @param billingAnchor optional: monthly quota periods start on this day and time; default calendar months (UTC) */
public record SubscriptionRequest(@NotBlank String applicationId, @NotBlank String apiId, @NotBlank String planId,
                                  Instant billingAnchor) {
}
