package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.routing.Route;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a copy of a sampled request to the API's shadow upstream, if the shadow has a free slot. Fire and forget:
 * the copy's answer is read and dropped, its failure only frees its slot, and the client's request never waits for
 * it. Only requests whose whole body is in hand can be copied: none, or a small one with a Content-Length (read here
 * and handed to the dispatch); a streamed body goes upstream once and is not mirrored.
 */
public final class ShadowPolicy implements Policy {
    static final CharSequence SHADOW = HttpHeaders.createOptimized("X-Gatehouse-Shadow");

    /** @param aggregateBelowBytes the largest body read whole, as the dispatch does */
    public record Config(int aggregateBelowBytes) {
    }

    private final Config config;
    private final HttpClient client;

    public ShadowPolicy(Config config, HttpClient client) {
        this.config = config;
        this.client = client;
    }

    @Override
    public void apply(Exchange exchange) {
        Route route = exchange.route();
        if (route.shadowRule() == null || exchange.attempts() > 0) {
            exchange.next();
            return;
        }
        HttpServerRequest request = exchange.request();
        long length = RequestBody.announcedLength(request);
        boolean copyable = !exchange.bodyFollows(length) || (length > 0 && length <= config.aggregateBelowBytes());
        if (!copyable || ThreadLocalRandom.current().nextDouble() * 100 >= route.shadowRule().percent() || !route.tryShadow()) {
            exchange.next();
            return;
        }
        if (length <= 0) {
            mirror(exchange, null);
            exchange.next();
            return;
        }
        request.body().onComplete(body -> {
            if (body.failed()) {
                route.shadowDone();
                exchange.reject(GatewayError.BAD_REQUEST);
                return;
            }
            exchange.body(body.result());
            mirror(exchange, body.result());
            exchange.next();
        });
    }

    private void mirror(Exchange exchange, Buffer body) {
        Route route = exchange.route();
        UpstreamUrl shadow = route.shadowUrl();
        HttpServerRequest request = exchange.request();
        String path = route.upstreamPath(shadow.pathPrefix(), exchange.path());
        RequestOptions options;
        try {
            options = UpstreamRequest.options(exchange)
                    .setHost(shadow.host()).setPort(shadow.port()).setSsl(shadow.ssl())
                    .setURI(request.query() == null ? path : path + '?' + request.query())
                    .putHeader(SHADOW, "true")
                    // Mirrors are off the client's path and rare: Vert.x's own timer per request is fine here.
                    .setIdleTimeout(route.readTimeoutMs());
        } catch (RuntimeException e) {
            // A header the upstream request refuses (see DispatchPolicy): no mirror, and its slot back, or enough of
            // these would stop the API's mirroring for good. The dispatch answers the request itself.
            route.shadowDone();
            return;
        }
        client.request(options)
                .compose(copy -> body == null ? copy.send() : copy.send(body))
                .compose(HttpClientResponse::body)
                .onComplete(done -> route.shadowDone());
    }
}
