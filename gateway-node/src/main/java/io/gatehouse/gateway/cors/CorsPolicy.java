package io.gatehouse.gateway.cors;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.routing.OperationTable;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.protocol.config.CorsRule;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Lets the web pages an API allows call it from a browser (CORS). It runs right after routing, before the key is
 * looked at: a preflight carries no key (browsers never send one), so it is answered here, never forwarded and never
 * counted as usage. An allowed page's actual requests get the origin echoed (never {@code *}, and no
 * Allow-Credentials: keys travel in headers, not cookies) on every answer, the gateway's refusals included, so the
 * page can read a 401 or a 429 and its Retry-After. A page from any other origin gets no CORS header at all, which is
 * how a browser is told no.
 *
 * <p>The developer portal's origin is allowed on every API: its "try it" is how developers first call an API. A preflight
 * from any origin the API does not allow is refused here with 403 {@code cors_origin_not_allowed}, whether or not the
 * API has a rule of its own: left to go on, it would meet authentication (a preflight never carries a key) and the
 * page would see an opaque CORS failure instead of the reason. The refusal costs no key lookup and no usage.
 */
public final class CorsPolicy implements Policy {
    static final CharSequence ORIGIN = HttpHeaders.createOptimized("Origin");
    static final CharSequence REQUEST_METHOD = HttpHeaders.createOptimized("Access-Control-Request-Method");
    static final CharSequence ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
    static final CharSequence ALLOW_METHODS = HttpHeaders.createOptimized("Access-Control-Allow-Methods");
    static final CharSequence ALLOW_HEADERS = HttpHeaders.createOptimized("Access-Control-Allow-Headers");
    static final CharSequence EXPOSE_HEADERS = HttpHeaders.createOptimized("Access-Control-Expose-Headers");
    static final CharSequence MAX_AGE = HttpHeaders.createOptimized("Access-Control-Max-Age");
    static final CharSequence VARY = HttpHeaders.createOptimized("Vary");
    static final CharSequence VARY_ORIGIN = HttpHeaders.createOptimized("Origin");
    /** What a page may read from an answer besides the CORS-safelisted headers: the limits, and the id to quote. */
    static final CharSequence EXPOSED = HttpHeaders.createOptimized(
            "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Quota-Limit, X-Quota-Remaining, X-Quota-Reset, Retry-After, X-Request-Id");

    /** @param portalOrigin the developer portal's origin, allowed on every API; null when the node is not told it */
    public record Config(String portalOrigin) {
        public static Config forPortal(String portalUrl) {
            return new Config(CorsRule.originOf(portalUrl));
        }
    }

    private final String portalOrigin;

    public CorsPolicy(Config config) {
        this.portalOrigin = config.portalOrigin();
    }

    @Override
    public void apply(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        String origin = request.getHeader(ORIGIN);
        Route route = exchange.route();
        CorsRules rules = route.cors();
        if (origin == null) {
            if (rules.declared()) {
                // A cache must not hand this answer to a page whose Origin would have changed it.
                request.response().headers().add(VARY, VARY_ORIGIN);
            }
            exchange.next();
            return;
        }
        boolean allowed = origin.equals(portalOrigin) || rules.allows(origin);
        if (isPreflight(request)) {
            if (allowed) {
                answerPreflight(exchange, route, rules, origin);
            } else {
                // The answer depends on the Origin: a cache must not serve it to a page the API does allow.
                request.response().headers().add(VARY, VARY_ORIGIN);
                exchange.reject(GatewayError.CORS_ORIGIN_NOT_ALLOWED);
            }
            return;
        }
        if (allowed) {
            MultiMap headers = request.response().headers();
            headers.set(ALLOW_ORIGIN, origin);
            headers.set(EXPOSE_HEADERS, EXPOSED);
            headers.add(VARY, VARY_ORIGIN);
        } else if (rules.declared()) {
            request.response().headers().add(VARY, VARY_ORIGIN);
        }
        exchange.next();
    }

    /** A preflight: OPTIONS naming the method the page wants to send (the Fetch standard's definition). */
    public static boolean isPreflight(HttpServerRequest request) {
        return request.method() == HttpMethod.OPTIONS && request.getHeader(REQUEST_METHOD) != null && request.getHeader(ORIGIN) != null;
    }

    /** The method a request asks routing about: for a preflight, the one the page will send. */
    public static HttpMethod routedMethod(HttpServerRequest request) {
        if (isPreflight(request)) {
            String asked = request.getHeader(REQUEST_METHOD).trim();
            return asked.isEmpty() ? request.method() : HttpMethod.valueOf(asked);
        }
        return request.method();
    }

    private static void answerPreflight(Exchange exchange, Route route, CorsRules rules, String origin) {
        HttpServerResponse response = exchange.request().response();
        // The methods the document lists for this path (routing already refused others); an undocumented API takes any.
        OperationTable operations = route.operations();
        String methods = null;
        if (operations != null) {
            OperationTable.Node node = operations.find(exchange.path(), "/".equals(route.basePath()) ? 0 : route.basePath().length());
            methods = node == null ? null : node.allow();
        }
        if (methods == null) {
            methods = exchange.request().getHeader(REQUEST_METHOD).trim();
        }
        response.setStatusCode(204)
                .putHeader(ALLOW_ORIGIN, origin)
                .putHeader(ALLOW_METHODS, methods)
                .putHeader(ALLOW_HEADERS, rules.allowHeaders)
                .putHeader(MAX_AGE, rules.maxAge)
                .putHeader(VARY, VARY_ORIGIN)
                .putHeader(io.gatehouse.gateway.proxy.ProxyHeaders.REQUEST_ID, exchange.requestId())
                .end();
    }
}
