package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.metrics.LaneCounters;
import io.gatehouse.protocol.config.UpstreamPolicy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A circuit breaker over an API's upstream: when too many requests fail (connect failures, timeouts, 5xx) within a
 * window, the gateway stops sending and answers 503 at once, sparing both the clients' time and the failing service.
 * After the open time one trial request goes through: its success closes the circuit, its failure opens it again.
 * Lock-free: outcomes are counted in {@link LaneCounters} that are never reset; a window is its start time and the
 * counts it started from, replaced by one CAS when it is over. State changes are single writes or CAS.
 */
final class CircuitBreaker {
    private final int failurePercent;
    private final int minRequests;
    private final long windowNanos;
    private final long openNanos;
    private static final int SUCCEEDED = 0;
    private static final int FAILED = 1;
    /** Outcomes since the breaker was made; a window reads them against the counts it started from. */
    private final LaneCounters outcomes = new LaneCounters(2);
    private final AtomicReference<Window> window = new AtomicReference<>(new Window(System.nanoTime(), 0, 0));
    private final AtomicBoolean trialInFlight = new AtomicBoolean();
    /** 0 while closed; otherwise when the circuit opened. */
    private volatile long openedAtNanos;

    CircuitBreaker(UpstreamPolicy.CircuitConfig config) {
        this.failurePercent = config.failurePercent();
        this.minRequests = config.minRequests();
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(config.windowMs());
        this.openNanos = TimeUnit.MILLISECONDS.toNanos(config.openMs());
    }

    static final int DENY = 0;
    static final int ALLOW = 1;
    /** Allowed as the half-open trial: its outcome, or its release, must be reported. */
    static final int TRIAL = 2;

    /** Whether a request may go upstream now. While half-open, only the one trial request may. */
    int admit(long now) {
        long opened = openedAtNanos;
        if (opened == 0) {
            return ALLOW;
        }
        return now - opened >= openNanos && trialInFlight.compareAndSet(false, true) ? TRIAL : DENY;
    }

    boolean open() {
        return openedAtNanos != 0;
    }

    /** {@code closed}, {@code open}, or {@code half_open} once the open time is over (a trial may go or is under way). */
    String state(long now) {
        long opened = openedAtNanos;
        if (opened == 0) {
            return "closed";
        }
        return trialInFlight.get() || now - opened >= openNanos ? "half_open" : "open";
    }

    /**
     * The trial ended without an upstream outcome (refused later in the chain, its body could not be read, its
     * client left): the next request becomes the trial. Without this the circuit would stay open for good.
     */
    void releaseTrial() {
        trialInFlight.set(false);
    }

    /** @param trial whether this outcome is the half-open trial's; other outcomes do not move an open circuit */
    void record(boolean success, boolean trial, long now) {
        if (openedAtNanos != 0) {
            if (trial) {
                if (success) {
                    window.set(newWindow(now));
                    openedAtNanos = 0;
                } else {
                    openedAtNanos = now;
                }
                trialInFlight.set(false);
            }
            return;
        }
        Window w = window.get();
        if (now - w.startNanos > windowNanos) {
            Window next = newWindow(now);
            w = window.compareAndSet(w, next) ? next : window.get();
        }
        outcomes.increment(success ? SUCCEEDED : FAILED);
        if (!success) {
            long bad = outcomes.sum(FAILED) - w.failedBefore;
            long total = bad + outcomes.sum(SUCCEEDED) - w.succeededBefore;
            if (total >= minRequests && bad * 100 >= (long) failurePercent * total) {
                openedAtNanos = now;
            }
        }
    }

    /** A window starting now: it counts the outcomes recorded from here on. */
    private Window newWindow(long now) {
        return new Window(now, outcomes.sum(SUCCEEDED), outcomes.sum(FAILED));
    }

    private record Window(long startNanos, long succeededBefore, long failedBefore) {
    }
}
