package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;

/**
 * Finds the API a request is for. It runs first, before authentication, because a key is only valid for the APIs
 * its application subscribes to: which API is asked for must be known to judge the key.
 */
public final class RoutePolicy implements Policy {
    private static final CharSequence ALLOW = io.vertx.core.http.HttpHeaders.createOptimized("Allow");

    /** No settings yet: the route table comes from the pushed config. */
    public record Config() {
    }

    public RoutePolicy(Config config) {
    }

    @Override
    public void apply(Exchange exchange) {
        String path = exchange.path();
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            exchange.reject(GatewayError.BAD_REQUEST);
            return;
        }
        var authority = exchange.request().authority();
        Route route = exchange.config().routes().match(authority == null ? null : authority.host(), path);
        if (route == null) {
            exchange.reject(GatewayError.NO_ROUTE);
            return;
        }
        OperationTable operations = route.operations();
        if (operations != null && !documented(exchange, operations, route, path)) {
            return;
        }
        exchange.routeTo(route);
        exchange.next();
    }

    /** An API published from its document answers only what it documents: 404 for another path, 405 for another method. */
    private static boolean documented(Exchange exchange, OperationTable operations, Route route, String path) {
        OperationTable.Node operation = operations.find(path, "/".equals(route.basePath()) ? 0 : route.basePath().length());
        if (operation == null) {
            exchange.reject(GatewayError.NO_ROUTE);
            return false;
        }
        // A CORS preflight asks about the method the page will send; the CORS policy answers it.
        io.vertx.core.http.HttpMethod method;
        try {
            method = io.gatehouse.gateway.cors.CorsPolicy.routedMethod(exchange.request());
        } catch (IllegalArgumentException e) {
            exchange.reject(GatewayError.BAD_REQUEST);
            return false;
        }
        if (!operation.allows(method)) {
            exchange.request().response().putHeader(ALLOW, operation.allow());
            exchange.reject(GatewayError.METHOD_NOT_ALLOWED);
            return false;
        }
        exchange.operation(operation.operation(method));
        return true;
    }
}
