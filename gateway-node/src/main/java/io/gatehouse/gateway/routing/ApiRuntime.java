package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.metrics.ApiMeters;
import io.gatehouse.protocol.config.ApiDefinition;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the node learns about one API while serving it: circuit state, retry budget, shadow slots, canary counts.
 * Like target health it outlives config versions: a new config whose definition of this API is unchanged (issuing
 * a key, another API published) keeps it, as Envoy keeps a cluster whose hash did not change. A changed definition
 * starts afresh, since the circuit's thresholds or the canary's targets may be different.
 */
final class ApiRuntime {
    final ApiDefinition definition;
    final CircuitBreaker circuit;
    /** Retry tokens ×10: each request earns 2 (a retry budget of 20% of traffic), each retry costs 10. */
    final AtomicLong retryTokens = new AtomicLong(100);
    final AtomicInteger shadowInFlight = new AtomicInteger();
    final VariantStats stableStats = new VariantStats();
    final VariantStats canaryStats = new VariantStats();
    /** Resolved here, once per API runtime, so that recording a request is no lookup; kept by API id across runtimes. */
    final ApiMeters meters;

    ApiRuntime(ApiDefinition definition, ApiMeters meters) {
        this.definition = definition;
        this.circuit = new CircuitBreaker(definition.policy().circuit());
        this.meters = meters;
    }
}
