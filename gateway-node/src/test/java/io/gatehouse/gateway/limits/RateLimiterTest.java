package io.gatehouse.gateway.limits;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    static int admitted(RateLimiter limiter, long at, int attempts) {
        int admitted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(at) >= 0) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void withoutAShareNothingIsDecidedLocally() {
        RateLimiter limiter = new RateLimiter();
        assertThat(limiter.tryAcquire(0)).isEqualTo(RateLimiter.NO_SHARE);
        limiter.install(10, 5, SECOND, 0, 0);
        assertThat(limiter.tryAcquire(2 * SECOND)).as("an expired share is no share").isEqualTo(RateLimiter.NO_SHARE);
    }

    @Test
    void aFreshShareStartsEmptyAndFillsAtItsRateUpToItsBurst() {
        RateLimiter limiter = new RateLimiter();
        long t0 = 1_000 * SECOND;
        limiter.install(10, 5, 60 * SECOND, t0, 0);
        assertThat(admitted(limiter, t0, 100)).as("no tokens are created by a new share").isZero();
        assertThat(admitted(limiter, t0 + SECOND / 2, 100)).as("half a second at 10/s").isEqualTo(5);
        assertThat(admitted(limiter, t0 + 30 * SECOND, 100)).as("a long idle fills only the burst").isEqualTo(5);
        long refused = limiter.tryAcquire(t0 + 30 * SECOND);
        assertThat(refused).isNegative();
        assertThat(-refused).as("wait for the next token").isBetween(SECOND / 10 - 1_000, SECOND / 10 + 1_000);
    }

    @Test
    void overAnyIntervalAtMostRateTimesTimePlusBurstIsAdmitted() {
        RateLimiter limiter = new RateLimiter();
        long t0 = 5_000 * SECOND;
        limiter.install(100, 20, 600 * SECOND, t0, 0);
        int admitted = admitted(limiter, t0 + 10 * SECOND, 1000); // a full bucket first
        for (long t = t0 + 10 * SECOND; t <= t0 + 13 * SECOND; t += SECOND / 1000) {
            admitted += admitted(limiter, t, 3);
        }
        // 3 s at 100/s plus the bucket of 20, with one token of rounding.
        assertThat(admitted).isBetween(300 + 20 - 1, 300 + 20 + 1);
    }

    @Test
    void aShareMayStartFullWhenTheControlPlaneSaysTheSubscriptionWasIdle() {
        RateLimiter limiter = new RateLimiter();
        long t0 = 7_000 * SECOND;
        limiter.install(10, 4, 60 * SECOND, t0, 4);
        assertThat(admitted(limiter, t0, 100)).isEqualTo(4);
    }

    @Test
    void aRenewedShareCarriesItsTokensClippedToTheNewBurst() {
        RateLimiter limiter = new RateLimiter();
        long t0 = 9_000 * SECOND;
        limiter.install(10, 8, 60 * SECOND, t0, 0);
        long later = t0 + 10 * SECOND; // bucket full: 8
        limiter.install(10, 3, 60 * SECOND, later, 0);
        assertThat(admitted(limiter, later, 100)).isEqualTo(3);
    }
}
