package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.proxy.Exchange;
import io.vertx.core.Context;

import java.util.concurrent.atomic.AtomicBoolean;

/** A request waiting for a lease: resumed on its own event loop when the lease arrives, or when it times out. */
final class Parked {
    final Exchange exchange;
    final Context context;
    final SubscriptionLimits limits;
    final LimitsPolicy policy;
    final AtomicBoolean done = new AtomicBoolean();

    Parked(Exchange exchange, Context context, SubscriptionLimits limits, LimitsPolicy policy) {
        this.exchange = exchange;
        this.context = context;
        this.limits = limits;
        this.policy = policy;
    }
}
