package io.gatehouse.gateway.config;

import io.gatehouse.gateway.auth.KeyIndex;
import io.gatehouse.gateway.routing.RouteTable;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * A snapshot compiled into the structures the request path reads. Built off the event loop, then published with
 * one reference swap: a request sees either the whole old config or the whole new one.
 */
public record ActiveConfig(ConfigSnapshot snapshot, RouteTable routes, KeyIndex keys, java.util.Map<String, PlanDefinition> plans) {

    /** Compiles a snapshot, or throws {@link InvalidConfigException} naming what is wrong. Never half-built. */
    public static ActiveConfig compile(ConfigSnapshot snapshot) {
        return compile(snapshot, new io.gatehouse.gateway.routing.UpstreamHealth());
    }

    /** Compiles on the node's upstream target states, which outlive config versions. */
    public static ActiveConfig compile(ConfigSnapshot snapshot, io.gatehouse.gateway.routing.UpstreamHealth health) {
        if (!snapshot.isIntact()) {
            throw new InvalidConfigException("hash_mismatch", "snapshot " + snapshot.version() + " does not match its hash " + snapshot.hash());
        }
        try {
            RouteTable routes = RouteTable.build(snapshot.apis(), health);
            Set<String> apiIds = snapshot.apis().stream().map(ApiDefinition::id).collect(Collectors.toSet());
            Set<String> planIds = snapshot.plans().stream().map(PlanDefinition::id).collect(Collectors.toSet());
            KeyIndex keys = KeyIndex.build(snapshot.keys(), snapshot.subscriptions(), apiIds, planIds);
            java.util.Map<String, PlanDefinition> plans = snapshot.plans().stream()
                    .collect(Collectors.toUnmodifiableMap(PlanDefinition::id, p -> p));
            routes.adoptTargets();
            return new ActiveConfig(snapshot, routes, keys, plans);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("invalid_config", e.getMessage());
        }
    }

    public PlanDefinition plan(String planId) {
        return plans.get(planId);
    }

    public long version() {
        return snapshot.version();
    }

    public String hash() {
        return snapshot.hash();
    }
}
