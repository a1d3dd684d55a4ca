package io.gatehouse.management.sync;

import io.smallrye.mutiny.Uni;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds how many full snapshots this instance streams at once. Each stream holds a database connection and a
 * long read-only transaction for as long as its node takes to apply the snapshot; after a control plane restart
 * every node may ask at once, and unbounded streams would take the pool from publishing, leases and usage. Waiting
 * streams start in the order they asked.
 */
final class StreamPermits {
    private final int max;
    private int inUse;
    private int peak;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

    StreamPermits(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one snapshot stream must be allowed, not " + max);
        }
        this.max = max;
    }

    /** Runs {@code stream} once a permit is free, and frees the permit when it ends however it ends. */
    <T> Uni<T> run(java.util.function.Supplier<Uni<? extends T>> stream) {
        return Uni.createFrom().deferred(() -> {
            AtomicBoolean held = new AtomicBoolean();
            return acquire(held).<T>chain(stream).onTermination().invoke(() -> {
                if (held.getAndSet(false)) {
                    release();
                }
            });
        });
    }

    private Uni<Void> acquire(AtomicBoolean held) {
        return Uni.createFrom().emitter(emitter -> {
            Runnable grant = () -> {
                held.set(true);
                emitter.complete(null);
            };
            boolean now;
            synchronized (this) {
                now = inUse < max;
                if (now) {
                    taken();
                } else {
                    waiting.add(grant);
                    // A stream given up while it waits must not take a permit later that nobody frees.
                    emitter.onTermination(() -> {
                        synchronized (this) {
                            waiting.remove(grant);
                        }
                    });
                }
            }
            if (now) {
                grant.run();
            }
        });
    }

    private void taken() {
        inUse++;
        peak = Math.max(peak, inUse);
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            inUse--;
            next = waiting.poll();
            if (next != null) {
                taken();
            }
        }
        if (next != null) {
            next.run();
        }
    }

    synchronized int inUse() {
        return inUse;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    /** The most streams ever running at once. */
    synchronized int peak() {
        return peak;
    }
}
