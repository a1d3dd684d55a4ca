package io.gatehouse.management.subscriptions;

import java.time.Instant;

/**
 * @param cancelledAt when it was closed
 * @param reason      why an owner rejected or suspended it, as the developer sees it
 */
public record SubscriptionView(String id, String applicationId, String apiId, String planId, SubscriptionStatus status,
                               Instant billingAnchor, Instant createdAt, Instant cancelledAt, String reason) {
    public static SubscriptionView of(SubscriptionEntity s) {
        return new SubscriptionView(s.id.toString(), s.applicationId.toString(), s.apiId.toString(), s.planId.toString(),
                s.status, s.billingAnchor, s.createdAt, s.cancelledAt, s.reason);
    }
}
