package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.accesslog.Traceparent;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

/** The request as it goes to the chosen target (or, retargeted, to the shadow): path, end-to-end and forwarding headers. */
final class UpstreamRequest {
    private UpstreamRequest() {
    }

    /** Where the request goes and its headers in one, for a request made from options alone (the shadow's). */
    static RequestOptions options(Exchange exchange) {
        MultiMap headers = HttpHeaders.headers();
        headers(exchange, headers);
        return target(exchange).setHeaders(headers);
    }

    /**
     * Method, target and URI, without headers: the dispatch writes those straight into the upstream request's own
     * map ({@link #headers}), since headers in the options are copied into it once more.
     */
    static RequestOptions target(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        Route route = exchange.route();
        TargetState target = exchange.upstream();
        String query = request.query();
        String path = route.upstreamPath(target, exchange.path());
        return new RequestOptions()
                .setMethod(request.method())
                .setHost(target.url().host())
                .setPort(target.url().port())
                .setSsl(target.url().ssl())
                .setURI(query == null ? path : path + '?' + query)
                // The read timeout is UpstreamDeadlines' sweep, not a timer per request.
                .setConnectTimeout(route.connectTimeoutMs());
    }

    /** The end-to-end headers of the client's request and the gateway's own, written into {@code headers}. */
    static void headers(Exchange exchange, MultiMap headers) {
        HttpServerRequest request = exchange.request();
        TargetState target = exchange.upstream();
        ProxyHeaders.copyRequestHeaders(request.headers(), headers, exchange.credentialHeader());
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
            ProxyHeaders.joinCookies(headers);
        }
        // The copy left out every header set below (ProxyHeaders.setByGateway), so they are added, not set: a set
        // looks for an earlier value first.
        ProxyHeaders.addForwarded(request, headers, exchange.fromTrustedProxy());
        headers.add(ProxyHeaders.REQUEST_ID, exchange.requestId());
        // One trace across client, gateway and upstream: the client's if it sent a valid one, else a new one.
        String incoming = request.getHeader(Traceparent.HEADER);
        CharSequence trace = Traceparent.traceId(incoming) != null ? incoming : Traceparent.start(exchange.requestId());
        if (trace != incoming) {
            headers.set(Traceparent.HEADER, trace);
        }
        exchange.traceparent(trace);
        Credential credential = exchange.credential();
        if (credential != null) {
            headers.add(ProxyHeaders.CONSUMER_ID, credential.consumerId());
            headers.add(ProxyHeaders.APPLICATION_ID, credential.applicationId());
        }
        if (target.authority() != null) {
            headers.add(HttpHeaders.HOST, target.authority());
        }
    }
}
