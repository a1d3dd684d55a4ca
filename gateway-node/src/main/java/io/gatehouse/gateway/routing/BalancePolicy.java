package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.protocol.config.CanaryRule;

/**
 * Retries come back here: the failed target is avoided, and a retry is taken from the API's retry budget; with no
 * other target or no budget left, the exchange goes on with {@link Exchange#denyRetry()} and the failure is the answer.
 *
 * <p>Picks the variant (stable or canary) and then the upstream target for the request by the API's load balancing (P2C over least outstanding requests by
 * default, LEAST_REQUEST, ROUND_ROBIN), weighted, skipping ejected targets.
 */
public final class BalancePolicy implements Policy {

    public record Config() {
    }

    /** Tells the client which variant served it. */
    public static final CharSequence VARIANT = io.vertx.core.http.HttpHeaders.createOptimized("X-Gatehouse-Variant");

    public BalancePolicy(Config config) {
    }

    static boolean matches(io.vertx.core.http.HttpServerRequest request, CanaryRule rule) {
        if (rule.header() != null && rule.headerValue() != null && rule.headerValue().equalsIgnoreCase(request.getHeader(rule.header()))) {
            return true;
        }
        if (rule.cookie() != null && rule.cookieValue() != null) {
            io.vertx.core.http.Cookie cookie = request.getCookie(rule.cookie());
            return cookie != null && rule.cookieValue().equals(cookie.getValue());
        }
        return false;
    }

    @Override
    public void apply(Exchange exchange) {
        Route route = exchange.route();
        if (exchange.attempts() > 0) {
            TargetState failed = exchange.upstream();
            TargetState next = route.choose(exchange.canary(), failed);
            if (next == failed || !route.mayRetry()) {
                exchange.denyRetry();
            } else {
                exchange.sendTo(next);
            }
            exchange.next();
            return;
        }
        exchange.markRetryPoint();
        CanaryRule canary = route.canaryRule();
        boolean toCanary = false;
        if (canary != null) {
            // The header or cookie rule wins over the percentage: testers opt in whatever their consumer.
            toCanary = matches(exchange.request(), canary) || route.canaryFor(exchange.credential().consumerId());
            exchange.request().response().headers().set(VARIANT, toCanary ? "canary" : "stable");
        }
        exchange.canary(toCanary);
        exchange.sendTo(route.choose(toCanary, null));
        exchange.next();
    }
}
