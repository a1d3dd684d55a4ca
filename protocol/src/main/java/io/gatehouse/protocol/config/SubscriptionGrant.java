package io.gatehouse.protocol.config;

/** An active subscription: the application may call the API under the plan. */
public record SubscriptionGrant(
        String id,
        String applicationId,
        String apiId,
        String planId) implements Identified {
}
