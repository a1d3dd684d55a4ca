package io.gatehouse.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;

import java.util.concurrent.TimeoutException;

/**
 * One event loop's upstream read deadlines: the API's read timeout from the last byte sent upstream to the first
 * byte of the answer's head. A Vert.x idle timeout on each upstream request would schedule and cancel a timer per
 * request (a concurrent map insert and removal and a scheduled task each); here the exchanges waiting for an answer
 * sit in an intrusive list, and one periodic sweep resets those past their deadline. A deadline can therefore be
 * late by up to one sweep interval.
 *
 * <p>Event-loop confined: watched, answered and swept on the loop that owns the list.
 */
final class UpstreamDeadlines {
    /** How often the waiting exchanges are looked at; also the most a timeout can be late by. */
    static final long SWEEP_MS = 25;

    private final Exchange head = Exchange.listHead();
    private long timer = -1;

    void start(Vertx vertx) {
        timer = vertx.setPeriodic(SWEEP_MS, id -> sweep(System.nanoTime()));
    }

    void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The exchange now waits for {@code upstream}'s answer; its clock starts now. */
    void watch(Exchange exchange, HttpClientRequest upstream) {
        exchange.awaitingAnswer(upstream, System.nanoTime() + exchange.route().readTimeoutMs() * 1_000_000L);
        exchange.linkAfter(head);
    }

    /** A body chunk went upstream: the wait for the answer starts over from here. */
    static void touched(Exchange exchange) {
        if (exchange.awaitedUpstream() != null) {
            exchange.awaitingAnswer(exchange.awaitedUpstream(), System.nanoTime() + exchange.route().readTimeoutMs() * 1_000_000L);
        }
    }

    /** The answer's head arrived, or the attempt ended otherwise. Idempotent. */
    static void answered(Exchange exchange) {
        exchange.unlink();
        exchange.awaitingAnswer(null, 0);
    }

    void sweep(long now) {
        Exchange next;
        for (Exchange e = head.nextWaiting(); e != head; e = next) {
            next = e.nextWaiting();
            if (now - e.answerDeadlineNanos() > 0) {
                HttpClientRequest upstream = e.awaitedUpstream();
                answered(e);
                upstream.reset(0, new UpstreamTimeout(e.route().readTimeoutMs()));
            }
        }
    }

    /** Why an upstream request was reset; no stack trace, since it is an expected outcome and costs a fill per timeout. */
    static final class UpstreamTimeout extends TimeoutException {
        UpstreamTimeout(long ms) {
            super("no answer from the upstream within " + ms + " ms");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
