package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeoutException;

/**
 * Sends the request to the chosen upstream and relays the answer. The last policy of the chain.
 *
 * <p>It decides nothing about where a request goes: the balancing chose the target, and a retry goes back to the
 * balancing ({@link Exchange#retry()}). It reports each attempt to the exchange ({@link Exchange#attemptStarted()},
 * {@link Exchange#attemptAnswered}, {@link Exchange#attemptFailed()}); what they mean for the target's health and the
 * circuit is recorded at completion, never here.
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
    private final Relay relay;
    private final UpstreamDeadlines deadlines = new UpstreamDeadlines();
    private boolean sweeping;
    private final UpstreamConnections connections;
    private final java.util.function.IntFunction<HttpClient> capped;
    /** Clients of APIs with their own connection cap, by API and cap; this event loop's only. */
    private final java.util.Map<String, HttpClient> cappedClients = new java.util.HashMap<>();

    /**
     * @param connections the event loop's upstream connections
     * @param capped      makes a client whose pool holds at most the given connections per target, on this event loop
     */
    DispatchPolicy(Config config, UpstreamConnections connections, java.util.function.IntFunction<HttpClient> capped) {
        this.config = config;
        this.relay = new Relay(config.aggregateBelowBytes());
        this.connections = connections;
        this.capped = capped;
    }

    /**
     * The upstream request for the exchange's target, without headers yet: on one of the event loop's
     * connections, or, for an API with its own connection cap, from a client whose pool enforces it. The cap is per
     * node, so each of the node's event loops gets its part of it (at least one).
     */
    private Future<HttpClientRequest> upstreamRequest(Exchange exchange) {
        Route route = exchange.route();
        Integer cap = route.connections().maxPerTarget();
        RequestOptions options = UpstreamRequest.target(exchange);
        if (cap == null) {
            return connections.request(exchange, options);
        }
        int perLoop = Math.max(1, cap / Math.max(1, config.eventLoops()));
        return cappedClients.computeIfAbsent(route.apiId() + "/" + perLoop, key -> capped.apply(perLoop)).request(options);
    }

    @Override
    public void apply(Exchange exchange) {
        if (exchange.attempts() > 0) {
            retried(exchange);
            return;
        }
        HttpServerRequest request = exchange.request();
        long length = RequestBody.announcedLength(request);
        if (length == RequestBody.INVALID) {
            exchange.reject(GatewayError.BAD_REQUEST);
            return;
        }
        if (length > config.maxBodyBytes()) {
            exchange.reject(GatewayError.PAYLOAD_TOO_LARGE);
            return;
        }
        if (exchange.body() != null || !exchange.bodyFollows(length)) {
            attempt(exchange);
        } else if (length > 0 && length <= config.aggregateBelowBytes()) {
            request.body().onComplete(body -> {
                if (body.succeeded()) {
                    exchange.body(body.result());
                    attempt(exchange);
                } else {
                    // The client stopped sending: most likely nobody is left to read this answer.
                    exchange.reject(GatewayError.BAD_REQUEST);
                }
            });
        } else {
            // A streamed body can be sent once only: such requests are never retried.
            exchange.holdBody();
            exchange.attemptStarted();
            upstreamRequest(exchange).onComplete(ready -> {
                if (ready.failed()) {
                    exchange.attemptFailed();
                    exchange.releaseBody();
                    Relay.fail(exchange, ready.cause());
                } else if (exchange.completed()) {
                    ready.result().reset();
                } else {
                    try {
                        UpstreamRequest.headers(exchange, ready.result().headers());
                    } catch (RuntimeException e) {
                        exchange.releaseBody();
                        unsendable(exchange, ready.result(), e);
                        return;
                    }
                    stream(exchange, ready.result(), length);
                }
            });
        }
    }

    /** Back from the balancing after a failed attempt: try the new target, or answer with what the last one did. */
    private void retried(Exchange exchange) {
        HttpClientResponse held = exchange.heldAnswer();
        Throwable failure = exchange.heldFailure();
        exchange.holdAnswer(null, null);
        if (exchange.retryDenied()) {
            if (held != null) {
                relay.relay(exchange, held);
            } else {
                Relay.fail(exchange, failure);
            }
            return;
        }
        if (held != null) {
            held.body(); // read and drop the refusal: the connection stays reusable
        }
        attempt(exchange);
    }

    /**
     * Sends a request whose body (if any) is in hand, so it can be sent again: an idempotent request whose target
     * refused the connection or answered 502/503 goes back to the balancing for another target, within the API's
     * retries and its retry budget (a fifth of recent traffic), so retries cannot multiply an outage.
     */
    private void attempt(Exchange exchange) {
        Buffer body = exchange.body();
        exchange.attemptStarted();
        // Two plain callbacks rather than a composed future: one future and its listener fewer per request.
        upstreamRequest(exchange).onComplete(ready -> {
            if (ready.failed()) {
                answered(exchange, Future.failedFuture(ready.cause()));
                return;
            }
            HttpClientRequest upstream = ready.result();
            if (exchange.completed()) {
                // The client left while the request waited for a connection (an API at its connection cap queues
                // them): nobody waits for the answer, so the upstream is not asked to do the work.
                upstream.reset();
                return;
            }
            Future<HttpClientResponse> sent;
            try {
                UpstreamRequest.headers(exchange, upstream.headers());
                watch(exchange, upstream);
                exchange.upstreamRequestSent();
                // On the event loop the head is encoded within send(), so a request line Netty refuses throws here.
                sent = body == null ? upstream.send() : upstream.send(body);
            } catch (RuntimeException e) {
                unsendable(exchange, upstream, e);
                return;
            }
            sent.onComplete(result -> answered(exchange, result));
        });
    }

    /**
     * The upstream request refused its head as it was written: a header, or the request line. The request guard
     * refuses every client header field and target that would be refused (control characters, names that are not
     * tokens, whitespace in the target), so this is the gateway's own failure: 500, logged, and neither retried nor
     * held against the upstream's health or circuit, which never saw the request. The value is not logged: it may be
     * a credential.
     */
    private static void unsendable(Exchange exchange, HttpClientRequest upstream, RuntimeException e) {
        UpstreamDeadlines.answered(exchange); // it may have been watched already: nothing is awaited now
        LOG.warn("request {}: the upstream request refused a header ({}); answered 500", exchange.requestId(), e.getClass().getSimpleName());
        upstream.reset();
        exchange.reject(GatewayError.INTERNAL_ERROR);
    }

    /** The outcome of an attempt with its body in hand: relayed, retried, or answered with the failure. */
    private void answered(Exchange exchange, io.vertx.core.AsyncResult<HttpClientResponse> result) {
        UpstreamDeadlines.answered(exchange);
        if (exchange.completed()) {
            if (result.succeeded()) {
                Relay.discard(result.result()); // nobody to relay it to
            }
            return;
        }
        if (result.failed()) {
            exchange.attemptFailed();
            if (retryableFailure(result.cause()) && mayRetry(exchange)) {
                exchange.holdAnswer(null, result.cause());
                exchange.endAttempt();
                exchange.retry();
                return;
            }
            Relay.fail(exchange, result.cause());
            return;
        }
        HttpClientResponse answer = result.result();
        int status = answer.statusCode();
        exchange.attemptAnswered(status);
        if ((status == 502 || status == 503) && mayRetry(exchange)) {
            exchange.holdAnswer(answer, null);
            exchange.endAttempt();
            exchange.retry();
            return;
        }
        relay.relay(exchange, answer);
    }

    private static boolean mayRetry(Exchange exchange) {
        return exchange.attempts() <= exchange.route().retry().maxRetries() && IDEMPOTENT.contains(exchange.request().method())
                && !exchange.request().response().closed();
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
        BodyCounter counter = new BodyCounter();
        request.handler(chunk -> {
            counter.bytes += chunk.length();
            if (counter.bytes > config.maxBodyBytes()) {
                request.handler(null);
                request.endHandler(null);
                // Answer first: the refusal is then known when the reset upstream fails, and is not taken for its failure.
                exchange.reject(GatewayError.PAYLOAD_TOO_LARGE);
                upstream.reset();
                return;
            }
            exchange.bodies().requestChunk(chunk);
            UpstreamDeadlines.touched(exchange);
            upstream.write(chunk);
            if (upstream.writeQueueFull()) {
                request.pause();
                upstream.drainHandler(v -> request.resume());
            }
        });
        request.endHandler(v -> {
            UpstreamDeadlines.touched(exchange);
            exchange.upstreamRequestSent();
            upstream.end();
        });
        request.exceptionHandler(e -> upstream.reset());
        watch(exchange, upstream);
        upstream.response().onComplete(result -> {
            UpstreamDeadlines.answered(exchange);
            if (exchange.completed() || exchange.error() != null) {
                // Refused mid-body, or the client left: no upstream outcome to report, nobody to relay to.
                if (result.succeeded()) {
                    Relay.discard(result.result());
                }
                return;
            }
            if (result.failed()) {
                exchange.attemptFailed();
                Relay.fail(exchange, result.cause());
                return;
            }
            exchange.attemptAnswered(result.result().statusCode());
            relay.relay(exchange, result.result());
        });
        exchange.releaseBody();
    }

    /** Starts this event loop's deadline sweep with its first upstream request (timers then belong to the verticle). */
    private void watch(Exchange exchange, HttpClientRequest upstream) {
        if (!sweeping) {
            sweeping = true;
            deadlines.start(io.vertx.core.Vertx.currentContext().owner());
        }
        deadlines.watch(exchange, upstream);
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

    private static final class BodyCounter {
        long bytes;
    }

}
