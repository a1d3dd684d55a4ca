package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.proxy.Completion;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;

/**
 * Counts usage once a request is complete: a request that went upstream is admitted (it counts for billing and has
 * spent its quota unit); one the gateway refused is counted as refused and costs nothing, so a quota unit it took is
 * given back. A request whose client left before it went upstream is neither, and gives its unit back too.
 * docs/limits.md states the rule for plan owners.
 */
public final class UsageOutcome implements Completion.Listener {
    private final Limits limits;

    public UsageOutcome(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void completed(Exchange exchange) {
        SubscriptionLimits account = exchange.usage();
        long nowMillis = System.currentTimeMillis();
        if (account == null) {
            // Refused before the limits policy (circuit open, upstream overloaded): still counted as refused.
            SubscriptionGrant subscription = exchange.subscription();
            PlanDefinition plan = subscription == null || exchange.config() == null ? null : exchange.config().plan(subscription.planId());
            if (plan == null || exchange.error() == null) {
                return;
            }
            account = limits.of(subscription, plan, exchange.credential().consumerId(), nowMillis);
        }
        if (exchange.forwarded()) {
            account.admitted(nowMillis, exchange.status());
            return;
        }
        QuotaAccount unit = exchange.quotaTaken();
        if (unit != null) {
            unit.giveBack();
        }
        if (exchange.error() != null) {
            account.refused(nowMillis, exchange.status());
        }
    }
}
