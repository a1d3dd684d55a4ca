package io.gatehouse.protocol.config;

import java.time.Instant;

/**
 * The changes that turn the snapshot at {@code baseVersion} into the one at {@code version}. {@code hash} is the
 * content hash of the result: a node that applies the delta and gets another hash has drifted and must not use it.
 */
public record ConfigDelta(
        long baseVersion,
        long version,
        String hash,
        Instant publishedAt,
        Changes<ApiDefinition> apis,
        Changes<PlanDefinition> plans,
        Changes<KeyGrant> keys,
        Changes<SubscriptionGrant> subscriptions) {

    public boolean isEmpty() {
        return apis.isEmpty() && plans.isEmpty() && keys.isEmpty() && subscriptions.isEmpty();
    }
}
