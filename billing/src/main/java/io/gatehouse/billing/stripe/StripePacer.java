package io.gatehouse.billing.stripe;

import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Keeps every Stripe request of this process under Stripe's documented rate limit (100 read and write requests a
 * second in live mode, 25 in test mode), and holds every request back while Stripe has asked to wait (a 429's
 * {@code Retry-After}).
 *
 * <p>A sliding window rather than a token bucket: a request may start only when the one {@code limit} requests
 * before it started more than a window ago, so no window of that length, wherever it falls, holds more than
 * {@code limit} requests (a bucket refilled while full lets up to twice its rate through one clock second). The window
 * is a second plus a small margin, since Stripe counts arrivals and requests sent a second apart may arrive closer.
 */
public final class StripePacer {
    /** Sent requests a second apart can arrive at Stripe this much closer together (network jitter). */
    static final Duration MARGIN = Duration.ofMillis(100);

    private final int limit;
    private final long windowNanos;
    private final LongSupplier clock;
    private final long[] started;
    private int next;
    private long pausedUntil;

    public StripePacer(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    /**
     * @param clock {@link System#nanoTime()}, or a stand-in for it in tests: its origin is arbitrary (it may be negative
     *              and may wrap), so every instant kept here is relative to a reading of it and only differences are compared
     */
    StripePacer(int perSecond, LongSupplier clock) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("Stripe requests per second must be at least 1, not " + perSecond);
        }
        this.limit = perSecond;
        this.clock = clock;
        this.windowNanos = Duration.ofSeconds(1).plus(MARGIN).toNanos();
        this.started = new long[perSecond];
        long now = clock.getAsLong();
        // As if the last {@code limit} requests started long ago: the first second may use the whole limit.
        for (int i = 0; i < started.length; i++) {
            started[i] = now - 2 * windowNanos;
        }
        this.pausedUntil = now;
    }

    /**
     * Stripe's default for a key: 25 a second for a test mode key ({@code sk_test_}, {@code rk_test_}), 100 for a live
     * one, each less a fifth left for the dashboard and other integrations of the same account.
     */
    public static int defaultFor(String apiKey) {
        String key = apiKey == null ? "" : apiKey.toLowerCase(Locale.ROOT);
        return key.startsWith("sk_test_") || key.startsWith("rk_test_") ? 20 : 80;
    }

    /** Waits on the calling thread (the billing thread or a worker, never an event loop) until one request may start. */
    public synchronized void acquire() throws InterruptedException {
        while (true) {
            long now = clock.getAsLong();
            long oldest = started[next];
            long wait = Math.max(oldest + windowNanos - now, pausedUntil - now);
            if (wait <= 0) {
                started[next] = now;
                next = (next + 1) % started.length;
                return;
            }
            wait(Math.max(1, wait / 1_000_000), (int) (wait % 1_000_000));
        }
    }

    /** Stripe answered 429: nobody in this process sends before {@code delay} has passed. */
    public synchronized void pause(Duration delay) {
        long until = clock.getAsLong() + delay.toNanos();
        if (until - pausedUntil > 0) {
            pausedUntil = until;
        }
        notifyAll();
    }

    public int perSecond() {
        return limit;
    }
}
