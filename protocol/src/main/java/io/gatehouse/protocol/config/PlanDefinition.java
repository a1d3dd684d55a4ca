package io.gatehouse.protocol.config;

/**
 * A plan's limits. A null limit means none.
 *
 * @param ratePerSecond steady requests per second per consumer and API
 * @param burst         requests allowed at once above the steady rate
 * @param monthlyQuota  requests per calendar month (UTC) per subscription
 * @param quotaMode     HARD answers 429 once the quota is spent; SOFT lets requests through and bills the overage
 * @param failureMode   when a node cannot reach the control plane for more than it holds: OPEN admits, CLOSED refuses
 */
public record PlanDefinition(
        String id,
        String name,
        Long ratePerSecond,
        Long burst,
        Long monthlyQuota,
        String quotaMode,
        String failureMode) implements Identified {

    public boolean limited() {
        return ratePerSecond != null || monthlyQuota != null;
    }

    public boolean softQuota() {
        return "SOFT".equals(quotaMode);
    }

    public boolean failOpen() {
        return !"CLOSED".equals(failureMode);
    }
}
