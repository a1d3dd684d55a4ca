package io.gatehouse.protocol.usage;

import java.time.Instant;

/**
 * Requests a node admitted for one subscription, under one plan, in one clock hour (UTC), and those it refused for
 * that subscription's limits. Counts add up: two records with the same key are one record with the sums.
 */
public record UsageRecord(
        String subscriptionId,
        String consumerId,
        String applicationId,
        String apiId,
        String planId,
        Instant hour,
        long admitted,
        long refused) {
}
