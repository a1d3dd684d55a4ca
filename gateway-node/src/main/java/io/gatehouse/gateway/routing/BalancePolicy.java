package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.protocol.config.CanaryRule;

/**
 * Picks the variant (stable or canary) and then the upstream target for the request by the API's load balancing (P2C over least outstanding requests by
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
