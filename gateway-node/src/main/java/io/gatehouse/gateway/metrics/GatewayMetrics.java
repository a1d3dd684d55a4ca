package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.proxy.Completion;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.routing.Route;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's request metrics: one {@link ApiMeters} per API id, and one for requests no API took (no route, not
 * ready, refused before routing). As a completion listener it records each exchange once, from what the exchange
 * settled; the meters themselves were resolved when the route was built, so this is no map lookup per request.
 * Labels are the API id, the status class and the gateway's error code, never a consumer: their number is bounded by
 * the config.
 */
public final class GatewayMetrics implements Completion.Listener {
    private final boolean enabled;
    private final ConcurrentHashMap<String, ApiMeters> byApi = new ConcurrentHashMap<>();
    final ApiMeters unrouted;

    private GatewayMetrics(boolean enabled) {
        this.enabled = enabled;
        this.unrouted = enabled ? new ApiMeters("", true) : ApiMeters.OFF;
    }

    public static GatewayMetrics on() {
        return new GatewayMetrics(true);
    }

    /** No metrics: the listener is left out of the completion step and routes get meters that record nothing. */
    public static GatewayMetrics off() {
        return new GatewayMetrics(false);
    }

    public boolean enabled() {
        return enabled;
    }

    /** The meters of an API, made on first use. Called when a route is built, never per request. */
    public ApiMeters meters(String apiId) {
        if (!enabled) {
            return ApiMeters.OFF;
        }
        return byApi.computeIfAbsent(apiId, id -> new ApiMeters(id, true));
    }

    /** Forgets the meters of APIs no longer served, once nothing of theirs is in flight. */
    public void retainOnly(java.util.Set<String> served) {
        byApi.values().removeIf(m -> !served.contains(m.apiId) && m.inFlight() == 0);
    }

    @Override
    public void completed(Exchange exchange) {
        Route route = exchange.route();
        ApiMeters meters = route == null ? unrouted : route.meters();
        long now = System.nanoTime();
        long upstreamStart = exchange.upstreamStartNanos();
        meters.completed(exchange.status(), exchange.error(), exchange.clientGone(), route != null, exchange.durationNanos(now),
                exchange.attempts() > 0 ? now - upstreamStart : -1, exchange.leaseDeadlineNanos() != 0);
    }
}
