package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.UpstreamPolicy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A circuit breaker over an API's upstream: when too many requests fail (connect failures, timeouts, 5xx) within a
 * window, the gateway stops sending and answers 503 at once, sparing both the clients' time and the failing service.
 * After the open time one trial request goes through: its success closes the circuit, its failure opens it again.
 * Lock-free: the window is a pair of adders and a start time; state changes are single writes or CAS.
 */
final class CircuitBreaker {
    private final int failurePercent;
    private final int minRequests;
    private final long windowNanos;
    private final long openNanos;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicBoolean trialInFlight = new AtomicBoolean();
    /** 0 while closed; otherwise when the circuit opened. */
    private volatile long openedAtNanos;

    CircuitBreaker(UpstreamPolicy policy) {
        this.failurePercent = policy.circuitFailurePercent();
        this.minRequests = policy.circuitMinRequests();
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(policy.circuitWindowMs());
        this.openNanos = TimeUnit.MILLISECONDS.toNanos(policy.circuitOpenMs());
    }

    /** Whether a request may go upstream now. While half-open, only the one trial request may. */
    boolean allow(long now) {
        long opened = openedAtNanos;
        if (opened == 0) {
            return true;
        }
        return now - opened >= openNanos && trialInFlight.compareAndSet(false, true);
    }

    boolean open() {
        return openedAtNanos != 0;
    }

    void record(boolean success, long now) {
        if (openedAtNanos != 0) {
            if (trialInFlight.get()) {
                if (success) {
                    succeeded.reset();
                    failed.reset();
                    windowStart.set(now);
                    openedAtNanos = 0;
                } else {
                    openedAtNanos = now;
                }
                trialInFlight.set(false);
            }
            return;
        }
        long start = windowStart.get();
        if (now - start > windowNanos && windowStart.compareAndSet(start, now)) {
            succeeded.reset();
            failed.reset();
        }
        (success ? succeeded : failed).increment();
        if (!success) {
            long bad = failed.sum();
            long total = bad + succeeded.sum();
            if (total >= minRequests && bad * 100 >= (long) failurePercent * total) {
                openedAtNanos = now;
            }
        }
    }
}
