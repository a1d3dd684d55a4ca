package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.proxy.Completion;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the requests one consumer has in flight on the node, right after it is known who calls. An API's own cap
 * (maxPendingRequests) protects its upstream; without this one, a single consumer's slow uploads or slow calls could
 * take all of it and leave every other consumer with 503s. Beyond the cap: 429 {@code too_many_pending}.
 *
 * <p>The count is given back exactly once per request, by the completion step ({@link #RELEASE}).
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
        if (exchange.completed()) {
            pending.decrementAndGet(); // the client left before this ran: completion has already passed
            return;
        }
        exchange.holdConsumerSlot(pending);
        exchange.next();
    }

    /** Gives the slot back when the exchange completes: exactly once, whatever ended it. */
    public static final Completion.Listener RELEASE = exchange -> {
        AtomicInteger slot = exchange.takeConsumerSlot();
        if (slot != null) {
            slot.decrementAndGet();
        }
    };
}
