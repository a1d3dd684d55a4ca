package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;

import java.util.concurrent.TimeUnit;

/**
 * The plan's limits: the rate (GCRA over this node's leased share) and the monthly quota (leased units). Usage is not
 * counted here but at completion ({@link UsageOutcome}), once it is known whether the request went upstream; a
 * quota unit taken by a request refused later is given back there.
 *
 * <p>A request that finds no share or no units waits, without blocking, for the lease it triggers; a lease is a
 * round trip on the config channel, so this happens to the first request of a subscription on a node and when a
 * quota runs low, not per request. A waiting request's body is held ({@link Exchange#holdBody()}): its bytes stay in
 * the connection until the policies after this one are ready to read them. When the control plane cannot be reached, the node spends what it holds; beyond
 * that the plan's failure mode decides: OPEN admits, CLOSED answers 503 {@code limits_unavailable}.
 */
public final class LimitsPolicy implements Policy {

    /** @param leaseWaitMs how long a request may wait for a lease before the plan's failure mode decides */
    public record Config(Limits limits, long leaseWaitMs) {
    }

    // Names and fixed values as optimized header strings: hashed once, written to the wire as bytes, not per character.
    private static final CharSequence RATE_LIMIT = HttpHeaders.createOptimized("RateLimit-Limit");
    private static final CharSequence RATE_REMAINING = HttpHeaders.createOptimized("RateLimit-Remaining");
    private static final CharSequence RATE_RESET = HttpHeaders.createOptimized("RateLimit-Reset");
    private static final CharSequence QUOTA_LIMIT = HttpHeaders.createOptimized("X-Quota-Limit");
    private static final CharSequence QUOTA_REMAINING = HttpHeaders.createOptimized("X-Quota-Remaining");
    private static final CharSequence QUOTA_RESET = HttpHeaders.createOptimized("X-Quota-Reset");
    private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
    private static final CharSequence ZERO = HttpHeaders.createOptimized("0");
    private static final CharSequence ONE = HttpHeaders.createOptimized("1");

    private final Config config;

    public LimitsPolicy(Config config) {
        this.config = config;
    }

    @Override
    public void apply(Exchange exchange) {
        SubscriptionGrant subscription = exchange.subscription();
        PlanDefinition plan = subscription == null ? null : exchange.config().plan(subscription.planId());
        if (plan == null) {
            exchange.next();
            return;
        }
        SubscriptionLimits limits = config.limits().of(subscription, plan, exchange.credential().consumerId(), System.currentTimeMillis());
        evaluate(exchange, limits);
    }

    /**
     * Whether the request may (still) wait for a lease: the control plane is there, or its connection dropped a
     * moment ago and is being dialled again (an instance stopped: the node moves to another), and the wait is not over.
     */
    private boolean mayWait(Exchange exchange, long now) {
        long deadline = exchange.leaseDeadlineNanos();
        return config.limits().mayWaitForLease() && (deadline == 0 || now < deadline);
    }

    void evaluate(Exchange exchange, SubscriptionLimits limits) {
        if (exchange.completed()) {
            return; // the client left while the request waited
        }
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        PlanDefinition plan = limits.plan;
        MultiMap headers = exchange.request().response().headers();

        if (limits.rate != null) {
            long outcome = limits.rate.tryAcquire(now);
            if (outcome == RateLimiter.NO_SHARE) {
                if (mayWait(exchange, now)) {
                    // Park first, then ask: an answer quicker than this thread must still find the request waiting.
                    Future<Void> lease = park(exchange, limits);
                    config.limits().requestRate(limits, now);
                    evaluateWhen(lease, exchange, limits);
                    return;
                }
                if (!plan.failOpen()) {
                    exchange.usage(limits, null);
                    exchange.reject(GatewayError.LIMITS_UNAVAILABLE);
                    return;
                }
            } else if (outcome < 0) {
                long waitNanos = -outcome;
                if (exchange.leaseDeadlineNanos() != 0 && now + waitNanos < exchange.leaseDeadlineNanos()) {
                    // This request waited for a share, and a fresh share starts empty: its first token is a moment
                    // away. Waiting for it beats refusing the very request that asked for the share.
                    Promise<Void> token = Promise.promise();
                    Vertx.currentContext().owner().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1),
                            t -> token.complete());
                    evaluateWhen(token.future(), exchange, limits);
                    return;
                }
                if (limits.rate.holdsNoRate(now) && mayWait(exchange, now)) {
                    // A node that just joined may find the whole rate held by the others: the control plane shrinks
                    // theirs and pushes this node its part once they have acknowledged (a round trip or two). Waiting
                    // for that beats refusing a request the plan has room for.
                    evaluateWhen(park(exchange, limits), exchange, limits);
                    return;
                }
                exchange.usage(limits, null);
                long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
                headers.set(RATE_LIMIT, limits.rateLimitHeader);
                headers.set(RATE_REMAINING, ZERO);
                CharSequence wait = digits(seconds);
                headers.set(RATE_RESET, wait);
                headers.set(RETRY_AFTER, wait);
                exchange.reject(GatewayError.RATE_LIMITED);
                return;
            } else {
                headers.set(RATE_LIMIT, limits.rateLimitHeader);
                headers.set(RATE_REMAINING, digits(outcome));
                headers.set(RATE_RESET, ONE);
            }
        }

        QuotaAccount took = null;
        if (plan.monthlyQuota() != null) {
            QuotaAccount account = limits.quota(nowMillis);
            QuotaAccount.Take take = account.take(now);
            long resetSeconds = Math.max(1, (account.periodEndMillis - nowMillis + 999) / 1000);
            switch (take) {
                case TAKEN -> {
                    took = account;
                    if (account.needsMore()) {
                        config.limits().requestQuota(limits, account, now);
                    }
                }
                case EXHAUSTED -> {
                    if (!plan.softQuota()) {
                        exchange.usage(limits, null);
                        quotaHeaders(headers, limits, 0, resetSeconds);
                        headers.set(RETRY_AFTER, digits(resetSeconds));
                        exchange.reject(GatewayError.QUOTA_EXCEEDED);
                        return;
                    }
                    // Soft quota: through it goes; the control plane bills what the period used beyond the quota.
                }
                case WAIT -> {
                    if (mayWait(exchange, now)) {
                        Future<Void> lease = park(exchange, limits);
                        config.limits().requestQuota(limits, account, now);
                        evaluateWhen(lease, exchange, limits);
                        return;
                    }
                    if (!plan.failOpen()) {
                        exchange.usage(limits, null);
                        exchange.reject(GatewayError.LIMITS_UNAVAILABLE);
                        return;
                    }
                }
            }
            quotaHeaders(headers, limits, account.remainingEstimate(), resetSeconds);
        }
        exchange.usage(limits, took);
        exchange.next();
    }

    /** A header value of decimal digits, written as bytes: three or four of these go out with every limited request. */
    static CharSequence digits(long value) {
        if (value < 0) {
            return Long.toString(value);
        }
        byte[] text = new byte[19];
        int at = text.length;
        do {
            text[--at] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
        return new io.netty.util.AsciiString(text, at, text.length - at, false);
    }

    private static void quotaHeaders(MultiMap headers, SubscriptionLimits limits, long remaining, long resetSeconds) {
        headers.set(QUOTA_LIMIT, limits.quotaLimitHeader);
        if (remaining >= 0) {
            headers.set(QUOTA_REMAINING, digits(remaining));
        }
        headers.set(QUOTA_RESET, digits(resetSeconds));
    }

    /**
     * Evaluates again once the wait is over. The body is held meanwhile, and released only after the policies that
     * follow have run: by then the dispatch has its body handlers in place (or holds the body itself).
     */
    private void evaluateWhen(Future<Void> ready, Exchange exchange, SubscriptionLimits limits) {
        exchange.holdBody();
        ready.onComplete(done -> {
            evaluate(exchange, limits);
            exchange.releaseBody();
        });
    }

    /** Waits for a lease for this subscription: the future completes when one arrives or when the wait is over. */
    private Future<Void> park(Exchange exchange, SubscriptionLimits limits) {
        long now = System.nanoTime();
        if (exchange.leaseDeadlineNanos() == 0) {
            exchange.leaseDeadlineNanos(now + TimeUnit.MILLISECONDS.toNanos(config.leaseWaitMs()));
        }
        Context context = Vertx.currentContext();
        Parked parked = new Parked(context, Promise.promise());
        limits.parked.add(parked);
        long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(exchange.leaseDeadlineNanos() - now));
        context.owner().setTimer(delayMs, t -> {
            if (parked.done.compareAndSet(false, true)) {
                limits.parked.remove(parked);
                parked.ready.complete();
            }
        });
        return parked.ready.future();
    }
}
