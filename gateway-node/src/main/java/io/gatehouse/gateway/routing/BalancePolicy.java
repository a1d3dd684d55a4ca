package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;

/** Picks the upstream target for the request: weighted round robin over the route's targets. */
public final class BalancePolicy implements Policy {

    public record Config() {
    }

    public BalancePolicy(Config config) {
    }

    @Override
    public void apply(Exchange exchange) {
        exchange.sendTo(exchange.route().nextUpstream());
        exchange.next();
    }
}
