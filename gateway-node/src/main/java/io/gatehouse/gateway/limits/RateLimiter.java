package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.metrics.LaneCounters;

import java.util.concurrent.atomic.AtomicLong;

/**
 * GCRA over this node's share of one subscription's rate limit. Lock-free: one CAS on the theoretical arrival time
 * per request.
 *
 * <p>The share (a steady rate and a bucket) is leased from the control plane, which keeps the shares of all nodes
 * within the plan's rate and burst. A new share starts with an empty bucket, and a renewed one carries over what the
 * old bucket held (clipped to the new size): tokens are never created by a change of share, which is what makes
 * the cluster-wide bound exact: over any interval W, all nodes together admit at most rate × W + burst.
 */
final class RateLimiter {
    /** A leased share; {@code emissionNanos} is the time one token takes to refill, {@code capacityNanos} the bucket. */
    record Share(double ratePerSecond, double burst, long emissionNanos, long capacityNanos, long expiresAtNanos) {
        static Share of(double ratePerSecond, double burst, long expiresAtNanos) {
            long emission = ratePerSecond <= 0 ? Long.MAX_VALUE / 4 : (long) (1_000_000_000d / ratePerSecond);
            long capacity = ratePerSecond <= 0 ? 0 : (long) (emission * burst);
            return new Share(ratePerSecond, burst, emission, capacity, expiresAtNanos);
        }
    }

    static final long NO_SHARE = Long.MIN_VALUE;

    private final AtomicLong tat = new AtomicLong();
    private volatile Share share;
    /** Requests asked of this node since the last lease request: the demand reported to the control plane. */
    private final LaneCounters demand = new LaneCounters(1);
    volatile long lastLeaseRequestNanos;
    /** The control plane's id of the installed lease, acknowledged in the next request. */
    volatile long appliedLeaseId;

    /**
     * @return tokens left (≥ 0) when admitted; the negative of the nanoseconds until a token is free when refused;
     *         {@link #NO_SHARE} when this node holds no valid share
     */
    long tryAcquire(long now) {
        demand.increment(0);
        Share s = share;
        if (s == null || now >= s.expiresAtNanos()) {
            return NO_SHARE;
        }
        while (true) {
            long current = tat.get();
            long next = Math.max(current, now) + s.emissionNanos();
            long ahead = next - now;
            if (ahead > s.capacityNanos()) {
                long wait = ahead - s.capacityNanos();
                return -Math.max(1, wait);
            }
            if (tat.compareAndSet(current, next)) {
                return (s.capacityNanos() - ahead) / s.emissionNanos();
            }
        }
    }

    /**
     * Installs a newly leased share, carrying over the tokens of the previous one if it is still valid; without one,
     * the bucket starts with {@code initialTokens} (which the control plane grants only when that cannot exceed the
     * cluster-wide bound).
     */
    void install(double ratePerSecond, double burst, long validForNanos, long now, double initialTokens) {
        Share old = share;
        Share next = Share.of(ratePerSecond, Math.max(burst, ratePerSecond > 0 ? 1 : 0), now + validForNanos);
        long carriedTokensNanos = 0;
        if (old != null && now < old.expiresAtNanos() && old.ratePerSecond() > 0) {
            double tokens = Math.max(0, (double) (old.capacityNanos() - Math.max(0, tat.get() - now)) / old.emissionNanos());
            carriedTokensNanos = (long) (Math.min(tokens, next.burst()) * next.emissionNanos());
        } else if (ratePerSecond > 0 && initialTokens > 0) {
            carriedTokensNanos = (long) (Math.min(initialTokens, next.burst()) * next.emissionNanos());
        }
        // tat = now + capacity - tokens: the bucket holds exactly the carried tokens.
        tat.set(now + next.capacityNanos() - carriedTokensNanos);
        share = next;
    }

    /** Requests asked of this node since the previous call. */
    long drainDemand() {
        return demand.drain(0);
    }

    boolean demanded() {
        return demand.undrained(0) > 0;
    }

    Share share() {
        return share;
    }

    /** Holds a valid share of no rate at all: every part of the rate is with other nodes for now. */
    boolean holdsNoRate(long now) {
        Share s = share;
        return s != null && now < s.expiresAtNanos() && s.ratePerSecond() <= 0;
    }

    boolean hasValidShare(long now) {
        Share s = share;
        return s != null && now < s.expiresAtNanos();
    }
}
