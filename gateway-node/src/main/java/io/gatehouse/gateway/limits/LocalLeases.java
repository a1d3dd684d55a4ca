package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;

/**
 * Leases for a standalone node, which is the only node: it gets the plan's whole rate and burst, so rate limits are
 * exact. A fresh share starts with a full bucket (the burst), as a lone token bucket does: with no other node there
 * is nobody whose tokens it could add to, and a consumer's first few requests sent at once are not refused. Monthly quotas are not enforced standalone: they need the control plane's durable ledger to survive a
 * restart, and a quota that resets with the process would be a false promise.
 */
public final class LocalLeases implements ControlPlaneLink {
    private static final long VALID_FOR_MS = 60_000;
    private final Limits limits;

    public LocalLeases(Limits limits) {
        this.limits = limits;
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public void send(NodeMessage message) {
        if (message instanceof NodeMessage.RateLeaseRequest request) {
            PlanDefinition plan = planOf(request.subscriptionId());
            if (plan != null && plan.ratePerSecond() != null) {
                double burst = plan.burst() == null ? 1 : Math.max(1, plan.burst());
                limits.received(new ControlMessage.RateLease(request.requestId(), request.requestId(), request.subscriptionId(), plan.ratePerSecond(),
                        burst, VALID_FOR_MS, burst));
            }
        } else if (message instanceof NodeMessage.QuotaLeaseRequest request) {
            PlanDefinition plan = planOf(request.subscriptionId());
            long quota = plan == null || plan.monthlyQuota() == null ? 0 : plan.monthlyQuota();
            limits.received(new ControlMessage.QuotaLease(request.requestId(), request.subscriptionId(), request.periodStart(),
                    request.units(), quota, -1, false));
        }
    }

    /** Leases are asked for only for subscriptions that had requests, so the limits know their plan. */
    private PlanDefinition planOf(String subscriptionId) {
        return limits.planOf(subscriptionId);
    }
}
