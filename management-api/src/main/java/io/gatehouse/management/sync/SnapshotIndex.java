package io.gatehouse.management.sync;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The current snapshot's subscriptions and plans by id, and its API ids. */
public record SnapshotIndex(Map<String, SubscriptionGrant> subscriptions, Map<String, PlanDefinition> plans, Set<String> apiIds) {

    static SnapshotIndex of(ConfigSnapshot snapshot) {
        if (snapshot == null) {
            return new SnapshotIndex(Map.of(), Map.of(), Set.of());
        }
        return new SnapshotIndex(
                snapshot.subscriptions().stream().collect(Collectors.toUnmodifiableMap(SubscriptionGrant::id, Function.identity())),
                snapshot.plans().stream().collect(Collectors.toUnmodifiableMap(PlanDefinition::id, Function.identity())),
                snapshot.apis().stream().map(ApiDefinition::id).collect(Collectors.toUnmodifiableSet()));
    }

    public PlanDefinition planOf(String subscriptionId) {
        SubscriptionGrant subscription = subscriptions.get(subscriptionId);
        return subscription == null ? null : plans.get(subscription.planId());
    }
}
