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

    static RequestOptions options(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        Route route = exchange.route();
        TargetState target = exchange.upstream();
        String query = request.query();
        String path = route.upstreamPath(target, exchange.path());

        MultiMap headers = HttpHeaders.headers();
        ProxyHeaders.copyRequestHeaders(request.headers(), headers, exchange.credentialHeader());
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
            ProxyHeaders.joinCookies(headers);
        }
        ProxyHeaders.setForwarded(request, headers, exchange.fromTrustedProxy());
        headers.set(ProxyHeaders.REQUEST_ID, exchange.requestId());
        // One trace across client, gateway and upstream: the client's if it sent a valid one, else a new one.
        String incoming = request.getHeader(Traceparent.HEADER);
        String trace = Traceparent.traceId(incoming) != null ? incoming : Traceparent.start(exchange.requestId());
        if (trace != incoming) {
            headers.set(Traceparent.HEADER, trace);
        }
        exchange.traceparent(trace);
        Credential credential = exchange.credential();
        if (credential != null) {
            headers.set(ProxyHeaders.CONSUMER_ID, credential.consumerId());
            headers.set(ProxyHeaders.APPLICATION_ID, credential.applicationId());
        }
        if (target.authority() != null) {
            headers.set(HttpHeaders.HOST, target.authority());
        }
        return new RequestOptions()
                .setMethod(request.method())
                .setHost(target.url().host())
                .setPort(target.url().port())
                .setSsl(target.url().ssl())
                .setURI(query == null ? path : path + '?' + query)
                .setHeaders(headers)
                // The read timeout is UpstreamDeadlines' sweep, not a timer per request.
                .setConnectTimeout(route.connectTimeoutMs());
    }
}
