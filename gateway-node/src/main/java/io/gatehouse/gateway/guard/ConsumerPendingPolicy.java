package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the requests one consumer has in flight on the node, right after it is known who calls. An API's own cap
 * (maxPendingRequests) protects its upstream; without this one, a single consumer's slow uploads or slow calls could
 * take all of it and leave every other consumer with 503s. Beyond the cap: 429 {@code too_many_pending}.
 *
 * <p>The count is given back exactly once per request, when its answer has been sent or its connection closed,
 * whichever comes first.
 */
public final class ConsumerPendingPolicy implements Policy {

    /** @param maxPendingPerConsumer requests in flight per consumer on this node; 0 for no cap */
    public record Config(int maxPendingPerConsumer, NodeGuard node) {
        public Config {
            if (maxPendingPerConsumer < 0) {
                throw new IllegalArgumentException("maxPendingPerConsumer must be 0 (no cap) or more, got " + maxPendingPerConsumer);
            }
        }
    }

    private final int max;
    private final NodeGuard node;

    public ConsumerPendingPolicy(Config config) {
        this.max = config.maxPendingPerConsumer();
        this.node = config.node();
    }

    @Override
    public void apply(Exchange exchange) {
        Credential credential = exchange.credential();
        if (max == 0 || credential == null) {
            exchange.next();
            return;
        }
        AtomicInteger pending = node.pending(credential.consumerId());
        if (pending.incrementAndGet() > max) {
            pending.decrementAndGet();
            exchange.reject(GatewayError.TOO_MANY_PENDING);
            return;
        }
        HttpServerResponse response = exchange.request().response();
        Release release = new Release(pending);
        response.endHandler(release);
        response.closeHandler(release);
        if (response.closed()) {
            release.handle(null); // the client left before the handlers were set: neither would ever run
            return;
        }
        exchange.next();
    }

    /** Gives the slot back on the first of end and close; the other is a no-op. Event-loop confined. */
    private static final class Release implements Handler<Void> {
        private AtomicInteger pending;

        Release(AtomicInteger pending) {
            this.pending = pending;
        }

        @Override
        public void handle(Void ignored) {
            if (pending != null) {
                pending.decrementAndGet();
                pending = null;
            }
        }
    }
}
