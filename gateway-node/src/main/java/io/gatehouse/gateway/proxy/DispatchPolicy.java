package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeoutException;

/**
 * Sends the request to the chosen upstream and relays the answer. The last policy of the chain.
 *
 * <p>Small bodies with a known length are read whole and written in one go, which measured markedly faster than
 * piping; anything larger, or of unknown length, streams both ways with back-pressure, so a large upload or
 * download never sits in the gateway's memory. A request body is never allowed past {@code maxBodyBytes}, whether
 * its length is announced or not.
 */
public final class DispatchPolicy implements Policy {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchPolicy.class);

    /**
     * @param maxBodyBytes        largest request body accepted (413 above it)
     * @param aggregateBelowBytes bodies with a Content-Length up to this size are buffered instead of streamed
     * @param eventLoops          the node's event loops, among which a per-API connection cap is divided
     */
    public record Config(long maxBodyBytes, int aggregateBelowBytes, int eventLoops) {
    }

    private final Config config;
    private final HttpClient shared;
    private final java.util.function.IntFunction<HttpClient> capped;
    /** Clients of APIs with their own connection cap, by API and cap; this event loop's only. */
    private final java.util.Map<String, HttpClient> cappedClients = new java.util.HashMap<>();

    /**
     * @param shared the event loop's upstream client
     * @param capped makes a client whose pool holds at most the given connections per target, on this event loop
     */
    public DispatchPolicy(Config config, HttpClient shared, java.util.function.IntFunction<HttpClient> capped) {
        this.config = config;
        this.shared = shared;
        this.capped = capped;
    }

    /**
     * The client for an API: the shared one, or one whose pool enforces the API's connection cap. The cap is per
     * node, so each of the node's event loops gets its part of it (at least one).
     */
    private HttpClient clientFor(Route route) {
        Integer cap = route.policy().maxConnections();
        if (cap == null) {
            return shared;
        }
        int loops = Math.max(1, config.eventLoops());
        int perLoop = Math.max(1, cap / loops);
        return cappedClients.computeIfAbsent(route.apiId() + "/" + perLoop, key -> capped.apply(perLoop));
    }

    @Override
    public void apply(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        long length = -1;
        String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null) {
            try {
                length = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                exchange.reject(GatewayError.BAD_REQUEST);
                return;
            }
        }
        if (length > config.maxBodyBytes()) {
            exchange.reject(GatewayError.PAYLOAD_TOO_LARGE);
            return;
        }
        // HTTP/1.1 announces a body with Content-Length or Transfer-Encoding; HTTP/2 has neither and just sends DATA.
        boolean hasBody = length > 0 || (length < 0 && (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || (request.version() == HttpVersion.HTTP_2 && !request.isEnded())));
        Route route = exchange.route();
        if (route.saturated()) {
            exchange.reject(GatewayError.UPSTREAM_OVERLOADED);
            return;
        }
        if (!route.circuitAllows(System.nanoTime())) {
            exchange.reject(GatewayError.CIRCUIT_OPEN);
            return;
        }
        route.requested();
        if (!hasBody) {
            attempt(exchange, null, 0);
        } else if (length > 0 && length <= config.aggregateBelowBytes()) {
            request.body().onComplete(body -> {
                if (body.succeeded()) {
                    exchange.bodies().requestChunk(body.result());
                    attempt(exchange, body.result(), 0);
                } else {
                    fail(exchange, body.cause());
                }
            });
        } else {
            // A streamed body can be sent once only: such requests are never retried.
            request.pause();
            long announced = length;
            TargetState target = exchange.upstream();
            target.started();
            clientFor(exchange.route()).request(upstreamRequest(exchange)).onComplete(ready -> {
                if (ready.failed()) {
                    target.finished();
                    exchange.route().failed(target);
                    request.resume();
                    fail(exchange, ready.cause());
                } else {
                    stream(exchange, ready.result(), announced);
                }
            });
        }
    }

    /**
     * Sends a request whose body (if any) is in hand, so it can be sent again: an idempotent request whose target
     * refused the connection or answered 502/503 goes to another target, within the API's retries and the retry
     * budget (a fifth of recent traffic), so retries cannot multiply an outage.
     */
    private void attempt(Exchange exchange, Buffer body, int retriesDone) {
        TargetState target = exchange.upstream();
        Route route = exchange.route();
        if (retriesDone == 0 && route.shadowRule() != null) {
            mirror(exchange, body);
        }
        target.started();
        clientFor(route).request(upstreamRequest(exchange))
                .compose(upstream -> body == null ? upstream.send() : upstream.send(body))
                .onComplete(result -> {
                    target.finished();
                    if (result.failed()) {
                        route.failed(target);
                        if (retryableFailure(result.cause()) && retryTo(exchange, target, retriesDone)) {
                            attempt(exchange, body, retriesDone + 1);
                            return;
                        }
                        fail(exchange, result.cause());
                        return;
                    }
                    int status = result.result().statusCode();
                    if (status >= 500) {
                        route.failed(target);
                    } else {
                        route.succeeded(target);
                    }
                    if ((status == 502 || status == 503) && retryTo(exchange, target, retriesDone)) {
                        result.result().body(); // read and drop the refusal: the connection stays reusable
                        attempt(exchange, body, retriesDone + 1);
                        return;
                    }
                    relay(exchange, result);
                });
    }

    /**
     * Sends a copy to the API's shadow upstream, if this request is sampled and the shadow has room. Fire and forget:
     * the answer is read and dropped, a failure is only counted, and the client's request never waits for it.
     */
    private void mirror(Exchange exchange, Buffer body) {
        Route route = exchange.route();
        if (java.util.concurrent.ThreadLocalRandom.current().nextDouble() * 100 >= route.shadowRule().percent() || !route.tryShadow()) {
            return;
        }
        io.gatehouse.protocol.config.UpstreamUrl shadow = route.shadowUrl();
        HttpServerRequest request = exchange.request();
        String path = route.upstreamPath(shadow.pathPrefix(), request.path());
        RequestOptions options = upstreamRequest(exchange)
                .setHost(shadow.host()).setPort(shadow.port()).setSsl(shadow.ssl())
                .setURI(request.query() == null ? path : path + '?' + request.query())
                .putHeader(SHADOW, "true");
        shared.request(options)
                .compose(copy -> body == null ? copy.send() : copy.send(body))
                .compose(HttpClientResponse::body)
                .onComplete(done -> route.shadowDone());
    }

    private static final CharSequence SHADOW = HttpHeaders.createOptimized("X-Gatehouse-Shadow");

    private static boolean retryTo(Exchange exchange, TargetState failed, int retriesDone) {
        Route route = exchange.route();
        if (retriesDone >= route.policy().retries() || !IDEMPOTENT.contains(exchange.request().method())
                || exchange.request().response().closed()) {
            return false;
        }
        TargetState next = route.choose(exchange.canary(), failed);
        if (next == failed || !route.mayRetry()) {
            return false;
        }
        exchange.sendTo(next);
        return true;
    }

    private static final java.util.Set<HttpMethod> IDEMPOTENT = java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD,
            HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    /**
     * Whether a failure without any answer may be retried: a refused connection, or a connection closed or reset
     * before the answer began (an upstream that died mid-request). RFC 9110 (9.2.2) lets an idempotent request be
     * repeated after such a failure. A timeout is not retried: the upstream may still be working on it, and
     * repeating slow requests is how a slow service is made slower.
     */
    static boolean retryableFailure(Throwable cause) {
        return !isTimeout(cause);
    }

    private void stream(Exchange exchange, HttpClientRequest upstream, long announced) {
        HttpServerRequest request = exchange.request();
        if (announced < 0) {
            upstream.setChunked(true);
        }
        upstream.exceptionHandler(e -> LOG.debug("request {} upstream stream: {}", exchange.requestId(), e.toString()));
        TargetState target = exchange.upstream();
        BodyCounter counter = new BodyCounter();
        request.handler(chunk -> {
            counter.bytes += chunk.length();
            if (counter.bytes > config.maxBodyBytes()) {
                request.handler(null);
                request.endHandler(null);
                // Answer first: resetting the upstream fails its response, which must not turn into a 502.
                exchange.reject(GatewayError.PAYLOAD_TOO_LARGE);
                upstream.reset();
                return;
            }
            exchange.bodies().requestChunk(chunk);
            upstream.write(chunk);
            if (upstream.writeQueueFull()) {
                request.pause();
                upstream.drainHandler(v -> request.resume());
            }
        });
        request.endHandler(v -> upstream.end());
        request.exceptionHandler(e -> upstream.reset());
        upstream.response().onComplete(result -> {
            target.finished();
            if (result.failed() || result.result().statusCode() >= 500) {
                exchange.route().failed(target);
            } else {
                exchange.route().succeeded(target);
            }
            relay(exchange, result);
        });
        request.resume();
    }

    private RequestOptions upstreamRequest(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        Route route = exchange.route();
        TargetState target = exchange.upstream();
        String query = request.query();
        String path = route.upstreamPath(target, request.path());

        MultiMap headers = HttpHeaders.headers();
        ProxyHeaders.copyRequestHeaders(request.headers(), headers, exchange.credentialHeader());
        String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        String forwardedFor = request.getHeader(ProxyHeaders.FORWARDED_FOR);
        if (client != null) {
            headers.set(ProxyHeaders.FORWARDED_FOR, forwardedFor == null ? client : forwardedFor + ", " + client);
        }
        headers.set(ProxyHeaders.FORWARDED_PROTO, request.isSSL() ? "https" : "http");
        HostAndPort authority = request.authority();
        if (authority != null) {
            headers.set(ProxyHeaders.FORWARDED_HOST, authority.port() > 0 ? authority.host() + ':' + authority.port() : authority.host());
        }
        headers.set(ProxyHeaders.REQUEST_ID, exchange.requestId());
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
                .setConnectTimeout(route.connectTimeoutMs())
                .setIdleTimeout(route.readTimeoutMs());
    }

    private void relay(Exchange exchange, AsyncResult<HttpClientResponse> result) {
        if (result.failed()) {
            fail(exchange, result.cause());
            return;
        }
        HttpClientResponse upstream = result.result();
        HttpServerResponse response = exchange.request().response();
        if (exchange.route().canaryRule() != null) {
            exchange.route().stats(exchange.canary()).record(System.nanoTime() - exchange.startNanos(), upstream.statusCode() >= 500);
        }
        if (response.closed() || response.headWritten()) {
            // The client left, or the exchange was already answered (413 mid-stream): drop the upstream exchange.
            upstream.request().reset();
            return;
        }
        response.setStatusCode(upstream.statusCode());
        ProxyHeaders.copyResponseHeaders(upstream.headers(), response.headers());
        response.putHeader(ProxyHeaders.REQUEST_ID, exchange.requestId());
        long length = parseLength(upstream.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (length >= 0 && length <= config.aggregateBelowBytes()) {
            upstream.body().onComplete(body -> {
                if (body.succeeded()) {
                    exchange.bodies().responseChunk(body.result());
                    response.end(body.result());
                } else {
                    fail(exchange, body.cause());
                }
            });
        } else {
            response.send(io.gatehouse.gateway.audit.HashingStream.of(upstream, exchange.bodies())).onFailure(e -> {
                if (!response.closed()) {
                    response.reset();
                }
                upstream.request().reset();
            });
        }
    }

    private void fail(Exchange exchange, Throwable cause) {
        HttpServerResponse response = exchange.request().response();
        if (response.closed()) {
            return;
        }
        if (response.headWritten()) {
            // Part of the answer is out: cutting the connection is the only honest way to say it is incomplete.
            response.reset();
            return;
        }
        GatewayError error = isTimeout(cause) ? GatewayError.UPSTREAM_TIMEOUT : GatewayError.UPSTREAM_UNAVAILABLE;
        if (exchange.route().canaryRule() != null) {
            exchange.route().stats(exchange.canary()).record(System.nanoTime() - exchange.startNanos(), true);
        }
        LOG.debug("request {} to {} failed: {}", exchange.requestId(), exchange.upstream().url().url(), cause.toString());
        exchange.reject(error);
    }

    static boolean isTimeout(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    private static long parseLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static final class BodyCounter {
        long bytes;
    }

}
