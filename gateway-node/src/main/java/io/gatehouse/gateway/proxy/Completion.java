package io.gatehouse.gateway.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of every exchange, whatever happened: answered, refused by a policy, failed upstream, or the client gone
 * before or during the answer. It runs exactly once per exchange, and it is the only place where outcomes are
 * recorded (upstream health and circuit, canary statistics, usage). An access log or audit record is one more
 * {@link Listener}; {@link Exchange} has what they need ({@link Exchange#status()}, {@link Exchange#error()},
 * {@link Exchange#bytesIn()}, {@link Exchange#bytesOut()}, {@link Exchange#forwarded()},
 * {@link Exchange#clientGone()}, {@link Exchange#durationNanos(long)}).
 */
public final class Completion {
    private static final Logger LOG = LoggerFactory.getLogger(Completion.class);

    /** Told of every completed exchange once, on the exchange's event loop: it must not block. */
    @FunctionalInterface
    public interface Listener {
        void completed(Exchange exchange);
    }

    private final Listener[] listeners;

    public Completion(Listener... listeners) {
        this.listeners = listeners.clone();
    }

    void run(Exchange exchange) {
        for (Listener listener : listeners) {
            try {
                listener.completed(exchange);
            } catch (RuntimeException e) {
                // One listener's bug must not cost the others their record.
                LOG.error("completion listener {} failed for request {}", listener.getClass().getSimpleName(), exchange.requestId(), e);
            }
        }
    }
}
