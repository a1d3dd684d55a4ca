package io.gatehouse.billing.stripe;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How fast meter events go to Stripe and how long a failed one waits: a token bucket under Stripe's documented limit
 * (meter events: 1,000 calls per second in live mode; 100 per second for most other endpoints), and exponential
 * backoff with jitter for retries, never shorter than a Retry-After Stripe gave.
 */
public final class SendPacing {
    private final double perSecond;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private double tokens;
    private long refilledAt;

    public SendPacing(double perSecond, Duration firstRetry, Duration maxRetry) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("the send rate must be positive");
        }
        this.perSecond = perSecond;
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
        this.tokens = 1;
        this.refilledAt = System.nanoTime();
    }

    /**
     * Waits on the calling thread (the sender's own, never an event loop) until one send is allowed. The bucket holds
     * at most one second of sends, so a quiet minute does not allow a burst over the limit.
     */
    public synchronized void acquire() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            tokens = Math.min(Math.max(1, perSecond), tokens + (now - refilledAt) / 1e9 * perSecond);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return;
            }
            long waitNanos = (long) ((1 - tokens) / perSecond * 1e9);
            wait(Math.max(1, waitNanos / 1_000_000), (int) (waitNanos % 1_000_000));
        }
    }

    /** When attempt {@code attempts} (1 for the first retry) may run: doubling from the first delay, capped, with up to 20% jitter. */
    public Instant nextAttempt(Instant now, int attempts, Duration retryAfter) {
        long base = firstRetry.toMillis() << Math.min(20, Math.max(0, attempts - 1));
        long capped = Math.min(maxRetry.toMillis(), base);
        long jittered = capped + (long) (capped * 0.2 * ThreadLocalRandom.current().nextDouble());
        long floor = retryAfter == null ? 0 : retryAfter.toMillis();
        return now.plusMillis(Math.max(jittered, floor));
    }

    public double perSecond() {
        return perSecond;
    }
}
