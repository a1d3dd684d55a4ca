package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;

/**
 * Picks the upstream target for the request by the API's load balancing (P2C over least outstanding requests by
 * default, LEAST_REQUEST, ROUND_ROBIN), weighted, skipping ejected targets.
 */
public final class BalancePolicy implements Policy {

    public record Config() {
    }

    public BalancePolicy(Config config) {
    }

    @Override
    public void apply(Exchange exchange) {
        exchange.sendTo(exchange.route().choose(null));
        exchange.next();
    }
}
