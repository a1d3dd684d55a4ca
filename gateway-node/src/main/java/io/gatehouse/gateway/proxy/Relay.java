package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way back: an upstream's answer relayed to the client (small ones whole, others streamed with back-pressure),
 * or the gateway's answer when the upstream failed. Outcomes are only reported to the exchange.
 */
final class Relay {
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    private final int aggregateBelowBytes;

    Relay(int aggregateBelowBytes) {
        this.aggregateBelowBytes = aggregateBelowBytes;
    }

    void relay(Exchange exchange, HttpClientResponse upstream) {
        HttpServerResponse response = exchange.request().response();
        if (response.closed() || response.headWritten()) {
            // The client left, or the exchange was already answered: drop the upstream exchange.
            discard(upstream);
            return;
        }
        int status = upstream.statusCode();
        if (status != response.getStatusCode()) {
            response.setStatusCode(status); // looks the status up again; most answers keep the default 200
        }
        ProxyHeaders.copyResponseHeaders(upstream.headers(), response.headers());
        response.putHeader(ProxyHeaders.REQUEST_ID, exchange.requestId());
        exchange.drain().closeAfter(response);
        long length = parseLength(upstream.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (length >= 0 && length <= aggregateBelowBytes) {
            upstream.body().onComplete(body -> {
                if (body.succeeded()) {
                    exchange.upstreamAnswerRead(upstream);
                    exchange.bodies().responseChunk(body.result());
                    response.end(body.result());
                } else {
                    exchange.attemptFailed();
                    fail(exchange, body.cause());
                }
            });
        } else {
            new Streamed(exchange, response, upstream).start();
        }
    }

    /**
     * A large or chunked answer streamed with back-pressure. Not a pipe: a pipe ends the response when a write to the
     * client fails, so a client that left mid-answer read as answered, and the upstream's next chunk then hit the
     * ended response (an ERROR with a stack trace). Here a failed write means the client left (Envoy's {@code DC}):
     * the response is left unfinished, so the completion records {@code client_gone}, and the upstream answer is
     * dropped; an upstream that breaks off its answer is cut as before.
     */
    private static final class Streamed implements io.vertx.core.Handler<io.vertx.core.buffer.Buffer> {
        private final Exchange exchange;
        private final HttpServerResponse response;
        private final HttpClientResponse upstream;
        private final io.vertx.core.streams.ReadStream<io.vertx.core.buffer.Buffer> body;
        /** Made once: a listener on every chunk's write, as a fresh method reference each time, was one object per chunk. */
        private final io.vertx.core.Handler<Throwable> writeFailed = this::left;
        private boolean clientLeft;

        Streamed(Exchange exchange, HttpServerResponse response, HttpClientResponse upstream) {
            this.exchange = exchange;
            this.response = response;
            this.upstream = upstream;
            this.body = io.gatehouse.gateway.audit.HashingStream.of(upstream, exchange.bodies());
        }

        void start() {
            if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                response.setChunked(true);
            }
            body.exceptionHandler(e -> {
                if (!clientLeft && !response.closed()) {
                    // The upstream broke off its answer.
                    exchange.attemptFailed();
                    exchange.cut(GatewayError.UPSTREAM_UNAVAILABLE);
                }
                discard(upstream);
            });
            body.endHandler(v -> {
                exchange.upstreamAnswerRead(upstream);
                if (!clientLeft && !response.ended()) {
                    response.end().onFailure(writeFailed);
                }
            });
            response.drainHandler(v -> body.resume());
            body.handler(this);
            body.resume();
        }

        @Override
        public void handle(io.vertx.core.buffer.Buffer chunk) {
            if (clientLeft) {
                return;
            }
            response.write(chunk).onFailure(writeFailed);
            if (!clientLeft && response.writeQueueFull()) {
                body.pause(); // resumed by the drain handler set once at the start
            }
        }

        private void left(Throwable cause) {
            if (clientLeft) {
                return;
            }
            clientLeft = true;
            LOG.debug("request {}: the client left after {} bytes of the answer ({})", exchange.requestId(),
                    response.bytesWritten(), cause.toString());
            body.handler(null);
            discard(upstream);
        }
    }

    /**
     * Drops an upstream answer nobody will read (the client left, or was answered otherwise). Its reset fails the
     * answer, and an answer without an exception handler has Vert.x log that failure as an ERROR with a stack trace:
     * a client leaving is a normal departure, already counted as {@code client_gone} by the completion step.
     */
    static void discard(HttpClientResponse answer) {
        try {
            answer.exceptionHandler(DISCARDED);
        } catch (IllegalStateException ended) {
            // Already ended: its reset fails nothing.
        }
        answer.request().reset();
    }

    private static final io.vertx.core.Handler<Throwable> DISCARDED =
            e -> LOG.debug("an upstream answer nobody reads was dropped: {}", e.toString());

    static void fail(Exchange exchange, Throwable cause) {
        HttpServerResponse response = exchange.request().response();
        if (response.closed() || response.ended()) {
            return;
        }
        GatewayError error = DispatchPolicy.isTimeout(cause) ? GatewayError.UPSTREAM_TIMEOUT
                : io.gatehouse.gateway.tls.PeerVerification.isTlsFailure(cause) ? GatewayError.UPSTREAM_TLS_FAILED
                : GatewayError.UPSTREAM_UNAVAILABLE;
        if (response.headWritten()) {
            // Part of the answer is out: cutting the connection is the only honest way to say it is incomplete.
            exchange.cut(error);
            return;
        }
        LOG.debug("request {} to {} failed: {}", exchange.requestId(), exchange.upstream().url().url(), String.valueOf(cause));
        exchange.reject(error);
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
}
