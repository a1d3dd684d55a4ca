package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.metrics.LaneCounters;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.gatehouse.protocol.usage.UsageRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Everything this node tracks for one subscription under one plan: rate share, quota units, usage counters. Public
 * only so an exchange can carry it to its completion, where usage is counted.
 */
public final class SubscriptionLimits {
    private static final long HOUR_MILLIS = 3_600_000L;

    final SubscriptionGrant subscription;
    final PlanDefinition plan;
    final String consumerId;
    final RateLimiter rate;
    /** The limit header values, made once: they are the same on every response. */
    final CharSequence rateLimitHeader;
    final CharSequence quotaLimitHeader;
    private volatile QuotaAccount quota;
    private volatile HourCounters counters;
    private final Queue<HourCounters> retired = new ConcurrentLinkedQueue<>();
    final Queue<Parked> parked = new ConcurrentLinkedQueue<>();
    /** Drains since this was replaced by new plan terms; read and written under the registry's lock. */
    int retiredDrains;

    SubscriptionLimits(SubscriptionGrant subscription, PlanDefinition plan, String consumerId, long nowMillis) {
        this.subscription = subscription;
        this.plan = plan;
        this.consumerId = consumerId;
        this.rate = plan.ratePerSecond() == null ? null : new RateLimiter();
        this.rateLimitHeader = plan.ratePerSecond() == null ? null : io.vertx.core.http.HttpHeaders.createOptimized(Long.toString(plan.ratePerSecond()));
        this.quotaLimitHeader = plan.monthlyQuota() == null ? null : io.vertx.core.http.HttpHeaders.createOptimized(Long.toString(plan.monthlyQuota()));
        this.counters = new HourCounters(nowMillis - Math.floorMod(nowMillis, HOUR_MILLIS));
    }

    /** The quota account of the period containing now; a new one when a period ends. */
    QuotaAccount quota(long nowMillis) {
        QuotaAccount account = quota;
        if (account == null || nowMillis >= account.periodEndMillis) {
            synchronized (this) {
                account = quota;
                if (account == null || nowMillis >= account.periodEndMillis) {
                    account = new QuotaAccount(QuotaPeriod.containing(Instant.ofEpochMilli(nowMillis), subscription.billingAnchor()));
                    quota = account;
                }
            }
        }
        return account;
    }

    QuotaAccount currentQuota() {
        return quota;
    }

    boolean sameTerms(SubscriptionGrant otherSubscription, PlanDefinition otherPlan) {
        // Requests under one config carry the very same objects: identity settles it without comparing fields.
        if (plan == otherPlan && subscription == otherSubscription) {
            return true;
        }
        return plan.equals(otherPlan) && java.util.Objects.equals(subscription.billingAnchor(), otherSubscription.billingAnchor());
    }

    /** @param status the status answered; 0 when the client left before any */
    void admitted(long nowMillis, int status) {
        HourCounters c = counters(nowMillis);
        c.counts.increment(HourCounters.ADMITTED);
        c.answered(status);
    }

    void refused(long nowMillis, int status) {
        HourCounters c = counters(nowMillis);
        c.counts.increment(HourCounters.REFUSED);
        c.answered(status);
    }

    private HourCounters counters(long nowMillis) {
        HourCounters c = counters;
        if (nowMillis >= c.hourStartMillis + HOUR_MILLIS) {
            synchronized (this) {
                c = counters;
                if (nowMillis >= c.hourStartMillis + HOUR_MILLIS) {
                    c.retiredAtMillis = nowMillis;
                    retired.add(c);
                    c = new HourCounters(nowMillis - Math.floorMod(nowMillis, HOUR_MILLIS));
                    counters = c;
                }
            }
        }
        return c;
    }

    /** Moves the counts so far into usage records (none for hours with nothing counted). */
    void drainUsage(List<UsageRecord> into, long nowMillis) {
        List<HourCounters> all = new ArrayList<>();
        HourCounters old;
        while ((old = retired.poll()) != null) {
            all.add(old);
        }
        // A request that fetched the old hour's counters just before they were retired may still add to them:
        // keep retired counters a few seconds, draining them each time, so such a count is never dropped.
        for (HourCounters c : all) {
            if (nowMillis - c.retiredAtMillis < 5_000) {
                retired.add(c);
            }
        }
        all.add(counters);
        for (HourCounters c : all) {
            long admitted = c.counts.drain(HourCounters.ADMITTED);
            long refused = c.counts.drain(HourCounters.REFUSED);
            long[] classes = new long[UsageRecord.STATUS_CLASSES];
            long answered = 0;
            for (int i = 0; i < classes.length; i++) {
                classes[i] = c.counts.drain(HourCounters.STATUS_CLASS + i);
                answered += classes[i];
            }
            if (admitted > 0 || refused > 0 || answered > 0) {
                into.add(new UsageRecord(subscription.id(), consumerId, subscription.applicationId(), subscription.apiId(),
                        plan.id(), Instant.ofEpochMilli(c.hourStartMillis), admitted, refused, classes));
            }
        }
    }

    /**
     * Counts of one clock hour. A request counted while the flusher reads is not lost: a drain reports what was
     * counted since the one before, so a count that races with it only moves to the next report.
     */
    static final class HourCounters {
        static final int ADMITTED = 0;
        static final int REFUSED = 1;
        /** The same requests by status class, 1xx to 5xx: what the developer's usage chart splits days by. */
        static final int STATUS_CLASS = 2;
        final long hourStartMillis;
        final LaneCounters counts = new LaneCounters(STATUS_CLASS + UsageRecord.STATUS_CLASSES);
        volatile long retiredAtMillis;

        HourCounters(long hourStartMillis) {
            this.hourStartMillis = hourStartMillis;
        }

        void answered(int status) {
            int statusClass = status / 100;
            if (statusClass >= 1 && statusClass <= UsageRecord.STATUS_CLASSES) {
                counts.increment(STATUS_CLASS + statusClass - 1);
            }
        }
    }
}
