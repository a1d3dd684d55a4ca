package io.gatehouse.management.subscriptions;

/** ACTIVE subscriptions let an application's keys call the API; CANCELLED ones are kept as history. */
public enum SubscriptionStatus {
    ACTIVE, CANCELLED
}
