package io.gatehouse.gateway.guard;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The counters the node's event loops share: open client connections and requests in flight per consumer. Lock
 * free; kept in the Vert.x instance's local map so that every event loop of one node finds the same counters and
 * two nodes in one JVM (tests) do not.
 */
public final class NodeGuard implements Shareable {
    private static final String KEY = "gatehouse.node-guard";

    final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> pendingByConsumer = new ConcurrentHashMap<>();

    private NodeGuard() {
    }

    public static NodeGuard of(Vertx vertx) {
        var map = vertx.sharedData().<String, NodeGuard>getLocalMap(KEY);
        NodeGuard existing = map.get(KEY);
        if (existing != null) {
            return existing;
        }
        NodeGuard created = new NodeGuard();
        NodeGuard raced = map.putIfAbsent(KEY, created);
        return raced != null ? raced : created;
    }

    /** Client connections open on the node now. */
    public int connections() {
        return connections.get();
    }

    /** The in-flight counter of one consumer; entries stay, one per consumer that ever called, like its key does. */
    AtomicInteger pending(String consumerId) {
        AtomicInteger counter = pendingByConsumer.get(consumerId);
        if (counter == null) {
            counter = pendingByConsumer.computeIfAbsent(consumerId, id -> new AtomicInteger());
        }
        return counter;
    }

    /** Requests of this consumer in flight on the node now. */
    public int pendingOf(String consumerId) {
        AtomicInteger counter = pendingByConsumer.get(consumerId);
        return counter == null ? 0 : counter.get();
    }
}
