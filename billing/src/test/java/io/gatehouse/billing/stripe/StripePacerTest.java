package io.gatehouse.billing.stripe;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pacer reads {@link System#nanoTime()}, whose origin is arbitrary: on one JVM it reads minus ten seconds, on
 * another close to {@code Long.MAX_VALUE}, about to wrap. Whatever it reads, the first second may use the whole limit
 * at once, the next request waits for the window, and a 429's pause holds back every thread for its length.
 */
class StripePacerTest {
    private static final Logger LOG = Logger.getLogger(StripePacerTest.class.getName());
    private static final int LIMIT = 5;
    /** nanoTime readings at the pacer's start: negative, long after a zero origin, about to wrap, just after wrapping. */
    private static final long[] STARTS = {
            -Duration.ofSeconds(10).toNanos(),
            -Duration.ofHours(1).toNanos(),
            Duration.ofDays(3).toNanos(),
            Long.MAX_VALUE - Duration.ofMillis(300).toNanos(),
            Long.MIN_VALUE + Duration.ofMillis(50).toNanos()};

    /** Real time, read as if nanoTime had read {@code start} now. */
    private static LongSupplier clockFrom(long start) {
        long origin = System.nanoTime();
        return () -> start + (System.nanoTime() - origin);
    }

    @Test
    void theFirstRequestsGoAtOnceAndTheNextWaitsForTheWindowWhateverNanoTimeReads() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            for (long start : STARTS) {
                StripePacer pacer = new StripePacer(LIMIT, clockFrom(start));
                long t0 = System.nanoTime();
                // Bounded: a pacer that took its origin for "the last requests" or "paused until" would wait for seconds or hours here.
                thread.submit(() -> {
                    for (int i = 0; i < LIMIT; i++) {
                        pacer.acquire();
                    }
                    return null;
                }).get(5, TimeUnit.SECONDS);
                Duration first = Duration.ofNanos(System.nanoTime() - t0);
                thread.submit(() -> {
                    pacer.acquire();
                    return null;
                }).get(10, TimeUnit.SECONDS);
                Duration next = Duration.ofNanos(System.nanoTime() - t0);
                LOG.info("nanoTime from " + start + ": " + LIMIT + " requests in " + first + ", the next after " + next);
                assertThat(first).as("the whole limit at once, starting from %d", start).isLessThan(Duration.ofSeconds(1));
                assertThat(next).as("request %d waits for the window, starting from %d", LIMIT + 1, start)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(1).plus(StripePacer.MARGIN).minusMillis(5));
            }
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void aPauseHoldsBackEveryThreadForItsLengthWhateverNanoTimeReads() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            for (long start : STARTS) {
                StripePacer pacer = new StripePacer(100, clockFrom(start));
                long t0 = System.nanoTime();
                // One thread saw a 429 with Retry-After: the others, whether waiting already or arriving later, wait too.
                pacer.pause(Duration.ofMillis(400));
                List<Future<Long>> waited = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    waited.add(threads.submit(() -> {
                        pacer.acquire();
                        return System.nanoTime() - t0;
                    }));
                }
                for (Future<Long> w : waited) {
                    Duration after = Duration.ofNanos(w.get(5, TimeUnit.SECONDS));
                    assertThat(after).as("held back by the pause, starting from %d", start).isGreaterThanOrEqualTo(Duration.ofMillis(400));
                    assertThat(after).as("and no longer than it, give or take a loaded machine").isLessThan(Duration.ofSeconds(3));
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
