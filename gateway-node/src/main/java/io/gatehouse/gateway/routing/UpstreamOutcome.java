package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Completion;
import io.gatehouse.gateway.proxy.Exchange;

/**
 * Records what the upstream did with a request: target health (passive ejection), the circuit, and the canary's
 * statistics. Runs at completion for the last attempt; an attempt that is retried ends (and is recorded) before the
 * retry, through {@link Exchange#endAttempt()}, which calls {@link #attemptEnded}.
 */
public final class UpstreamOutcome implements Completion.Listener {

    /**
     * @param status the upstream's status, or {@link Exchange#FAILED} for no answer
     * @param trial  whether the request was the circuit's half-open trial
     */
    public static void attemptEnded(Route route, TargetState target, int status, boolean trial) {
        long now = System.nanoTime();
        boolean success = status > 0 && status < 500;
        if (success) {
            UpstreamHealth.succeeded(target);
        } else {
            UpstreamHealth.failed(route, target, now);
        }
        route.circuit().record(success, trial, now);
    }

    @Override
    public void completed(Exchange exchange) {
        exchange.endAttempt();
        Route route = exchange.route();
        if (route == null) {
            return;
        }
        if (exchange.circuitTrial()) {
            // The trial got no upstream outcome: whoever comes next is the trial.
            exchange.circuitTrial(false);
            route.circuit().releaseTrial();
        }
        int status = exchange.lastUpstreamStatus();
        if (route.canaryRule() != null && status != Exchange.NO_ANSWER) {
            route.stats(exchange.canary()).record(exchange.durationNanos(System.nanoTime()), status == Exchange.FAILED || status >= 500);
        }
    }
}
