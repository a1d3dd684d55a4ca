package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;

/**
 * Whether the API's upstream takes another request from this node: not while as many are pending as the API allows
 * (503 {@code upstream_overloaded}), nor while its circuit is open (503 {@code circuit_open}), except the one trial
 * of a half-open circuit. It runs before the plan's limits, so a request the upstream cannot take costs no quota.
 */
public final class UpstreamAdmissionPolicy implements Policy {

    /** No settings: the pending cap and the circuit are the API's (its upstream policy). */
    public record Config() {
    }

    public UpstreamAdmissionPolicy(Config config) {
    }

    @Override
    public void apply(Exchange exchange) {
        Route route = exchange.route();
        if (route.saturated()) {
            exchange.reject(GatewayError.UPSTREAM_OVERLOADED);
            return;
        }
        int circuit = route.admit(System.nanoTime());
        if (circuit == CircuitBreaker.DENY) {
            exchange.reject(GatewayError.CIRCUIT_OPEN);
            return;
        }
        exchange.circuitTrial(circuit == CircuitBreaker.TRIAL);
        route.requested();
        exchange.next();
    }
}
