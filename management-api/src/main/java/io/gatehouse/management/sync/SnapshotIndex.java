package io.gatehouse.management.sync;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.Identified;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The published APIs, plans and subscriptions by id: what leases are granted against and node messages are checked
 * against. Kept up to date entry by entry as the config log is followed; keys, the large section, are not held.
 */
public final class SnapshotIndex {
    private final Map<String, SubscriptionGrant> subscriptions;
    private final Map<String, PlanDefinition> plans;
    private final Set<String> apiIds;

    public SnapshotIndex() {
        this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet());
    }

    /** A fixed index, for tests. */
    public SnapshotIndex(Map<String, SubscriptionGrant> subscriptions, Map<String, PlanDefinition> plans, Set<String> apiIds) {
        this.subscriptions = subscriptions;
        this.plans = plans;
        this.apiIds = apiIds;
    }

    public Map<String, SubscriptionGrant> subscriptions() {
        return subscriptions;
    }

    public Map<String, PlanDefinition> plans() {
        return plans;
    }

    public Set<String> apiIds() {
        return apiIds;
    }

    public PlanDefinition planOf(String subscriptionId) {
        SubscriptionGrant subscription = subscriptions.get(subscriptionId);
        return subscription == null ? null : plans.get(subscription.planId());
    }

    /** Applies one entry of the log: {@code value} null removes {@code id}. */
    void apply(ConfigSection section, String id, Identified value) {
        switch (section) {
            case APIS -> {
                if (value == null) {
                    apiIds.remove(id);
                } else {
                    apiIds.add(((ApiDefinition) value).id());
                }
            }
            case PLANS -> {
                if (value == null) {
                    plans.remove(id);
                } else {
                    plans.put(id, (PlanDefinition) value);
                }
            }
            case SUBSCRIPTIONS -> {
                if (value == null) {
                    subscriptions.remove(id);
                } else {
                    subscriptions.put(id, (SubscriptionGrant) value);
                }
            }
            case KEYS -> {
                // Keys are sent to nodes, never looked up here.
            }
        }
    }

    void clear() {
        subscriptions.clear();
        plans.clear();
        apiIds.clear();
    }
}
