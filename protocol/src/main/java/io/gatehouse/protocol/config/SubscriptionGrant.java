package io.gatehouse.protocol.config;

/**
 * An active subscription: the application may call the API under the plan.
 *
 * @param billingAnchor where its monthly quota periods start; null for calendar months (UTC)
 */
public record SubscriptionGrant(
        String id,
        String applicationId,
        String apiId,
        String planId,
        java.time.Instant billingAnchor) implements Identified {
}
