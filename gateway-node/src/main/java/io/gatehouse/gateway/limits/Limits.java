package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's plan limits: per-subscription state, the leases that feed it, and the usage it counts. The request
 * path touches only lock-free state here; leases are asked for and received off the request path, on the config
 * channel's event loop.
 */
public final class Limits {
    private static final Logger LOG = LoggerFactory.getLogger(Limits.class);
    /** How long a renewed rate share is asked for before it lapses, and how often shares are renewed. */
    static final long RATE_RENEW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Quota units a node has not touched for this long go back to the control plane, for other nodes to use. */
    static final long QUOTA_IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** After the control plane says a quota is spent, how long before asking again (another node may give back). */
    static final long EXHAUSTED_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Map<String, SubscriptionLimits> bySubscription = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final List<SubscriptionLimits> retired = new ArrayList<>();
    private volatile ControlPlaneLink link;

    public void connect(ControlPlaneLink controlPlane) {
        this.link = controlPlane;
    }

    /** The plan a subscription is served under on this node; null if it has had no request yet. */
    PlanDefinition planOf(String subscriptionId) {
        SubscriptionLimits limits = bySubscription.get(subscriptionId);
        return limits == null ? null : limits.plan;
    }

    boolean connected() {
        ControlPlaneLink l = link;
        return l != null && l.connected();
    }

    /** Whether a request may wait for a lease: the channel is up, or coming back after a moment's drop. */
    boolean mayWaitForLease() {
        ControlPlaneLink l = link;
        return l != null && (l.connected() || l.reconnecting());
    }

    public SubscriptionLimits of(SubscriptionGrant subscription, PlanDefinition plan, String consumerId, long nowMillis) {
        SubscriptionLimits current = bySubscription.get(subscription.id());
        if (current != null && current.sameTerms(subscription, plan)) {
            return current;
        }
        return bySubscription.compute(subscription.id(), (id, existing) -> {
            if (existing != null && existing.sameTerms(subscription, plan)) {
                return existing;
            }
            SubscriptionLimits fresh = new SubscriptionLimits(subscription, plan, consumerId, nowMillis);
            if (existing != null) {
                // New plan terms: new limits. The old counters are still reported; the quota period's usage carries
                // over at the control plane, which counts by subscription and period, not by plan.
                synchronized (retired) {
                    retired.add(existing);
                }
                requestRate(fresh, System.nanoTime());
            }
            return fresh;
        });
    }

    void requestRate(SubscriptionLimits limits, long now) {
        ControlPlaneLink l = link;
        if (l == null || !l.connected() || limits.rate == null) {
            return;
        }
        RateLimiter rate = limits.rate;
        long since = now - rate.lastLeaseRequestNanos;
        rate.lastLeaseRequestNanos = now;
        double seconds = Math.max(0.05, Math.min(5.0, since / 1e9));
        double demand = rate.drainDemand() / seconds;
        l.send(new NodeMessage.RateLeaseRequest(requestIds.incrementAndGet(), limits.subscription.id(), demand, rate.appliedLeaseId));
    }

    void requestQuota(SubscriptionLimits limits, QuotaAccount account, long now) {
        ControlPlaneLink l = link;
        if (l == null || !l.connected() || !account.leaseInFlight.compareAndSet(false, true)) {
            return;
        }
        // Ask for about a second of this node's recent traffic, within bounds: small leases strand little on an
        // idle node, large ones spare round trips on a busy one.
        long elapsed = Math.max(1, now - account.lastLeaseNanos);
        long taken = account.takenSinceLease.getAndSet(0);
        account.lastLeaseNanos = now;
        long perSecond = (long) (taken * 1e9 / elapsed);
        long units = Math.max(10, Math.min(10_000, perSecond));
        l.send(new NodeMessage.QuotaLeaseRequest(requestIds.incrementAndGet(), limits.subscription.id(), account.period.start(), units));
    }

    /** A lease arrived from the control plane (on the config channel's event loop). */
    public void received(ControlMessage message) {
        long now = System.nanoTime();
        if (message instanceof ControlMessage.QuotaLease lease) {
            SubscriptionLimits limits = bySubscription.get(lease.subscriptionId());
            QuotaAccount account = limits == null ? null : limits.currentQuota();
            if (account == null || !account.period.start().equals(lease.periodStart())) {
                return; // a lease for a period or plan this node has moved past
            }
            account.quota = lease.quota();
            account.remainingAtControlPlane = lease.remaining();
            account.grant(lease.units());
            if (lease.exhausted() && lease.units() == 0) {
                account.exhaustedUntilNanos = now + EXHAUSTED_RECHECK_NANOS;
            }
            account.leaseInFlight.set(false);
            resume(limits);
        } else if (message instanceof ControlMessage.RateLease lease) {
            SubscriptionLimits limits = bySubscription.get(lease.subscriptionId());
            if (limits == null || limits.rate == null || lease.leaseId() < limits.rate.appliedLeaseId) {
                return;
            }
            RateLimiter.Share before = limits.rate.share();
            limits.rate.install(lease.ratePerSecond(), lease.burst(), TimeUnit.MILLISECONDS.toNanos(lease.validForMs()), now,
                    lease.initialTokens());
            limits.rate.appliedLeaseId = lease.leaseId();
            if (before != null && (lease.ratePerSecond() < before.ratePerSecond() || lease.burst() < before.burst())) {
                // A smaller share frees rate for other nodes only once the control plane knows it is in force: say so now.
                requestRate(limits, now);
            }
            resume(limits);
        }
    }

    private void resume(SubscriptionLimits limits) {
        Parked parked;
        while ((parked = limits.parked.poll()) != null) {
            Parked p = parked;
            if (p.done.compareAndSet(false, true)) {
                p.context.runOnContext(v -> p.ready.complete());
            }
        }
    }

    /**
     * The config channel is back, perhaps to another control plane instance: answers to what was asked on the old
     * connection will not come. Quota requests may be sent again, and requests waiting for a lease ask afresh (their
     * wait keeps its deadline). Shares and units held are kept: the leases in the database still count them.
     */
    public void reconnected() {
        for (SubscriptionLimits limits : bySubscription.values()) {
            QuotaAccount account = limits.currentQuota();
            if (account != null) {
                account.leaseInFlight.set(false);
            }
            resume(limits);
        }
    }

    /** Runs on the config channel's event loop every {@link #RATE_RENEW_NANOS}: renew shares, give back idle units. */
    public void tick() {
        long now = System.nanoTime();
        for (SubscriptionLimits limits : bySubscription.values()) {
            RateLimiter rate = limits.rate;
            // Shares in use are renewed; an idle one lapses, and its part of the rate goes to the nodes that need it.
            if (rate != null && rate.demanded()) {
                requestRate(limits, now);
            }
            QuotaAccount account = limits.currentQuota();
            if (account != null && account.held() > 0 && now - account.lastUseNanos > QUOTA_IDLE_NANOS) {
                giveBack(limits, account);
            }
            if (account != null && account.leaseInFlight.get() && now - account.lastLeaseNanos > TimeUnit.SECONDS.toNanos(5)) {
                account.leaseInFlight.set(false); // the answer was lost with a connection; ask again when needed
            }
        }
    }

    private void giveBack(SubscriptionLimits limits, QuotaAccount account) {
        ControlPlaneLink l = link;
        if (l == null || !l.connected()) {
            return;
        }
        long units = account.drain();
        if (units > 0) {
            l.send(new NodeMessage.QuotaReturn(limits.subscription.id(), account.period.start(), units));
            LOG.debug("gave back {} idle quota units of subscription {}", units, limits.subscription.id());
        }
    }

    /** Usage counted since the last call, for a usage report. */
    public List<UsageRecord> drainUsage() {
        long nowMillis = System.currentTimeMillis();
        List<UsageRecord> records = new ArrayList<>();
        for (SubscriptionLimits limits : bySubscription.values()) {
            limits.drainUsage(records, nowMillis);
        }
        synchronized (retired) {
            for (SubscriptionLimits old : retired) {
                old.drainUsage(records, nowMillis);
            }
            // Retired limits stay one extra round, for counts that raced with the switch.
            retired.removeIf(old -> old.retiredDrains++ > 2);
        }
        return records;
    }

    /** Quota units of the current period that requests on this node have used for a subscription (for operators and tests). */
    public long quotaUsed(String subscriptionId) {
        SubscriptionLimits limits = bySubscription.get(subscriptionId);
        QuotaAccount account = limits == null ? null : limits.currentQuota();
        return account == null ? 0 : account.used();
    }

    /** On shutdown: quota units this node will never use go back. */
    public void giveBackAll() {
        for (SubscriptionLimits limits : bySubscription.values()) {
            QuotaAccount account = limits.currentQuota();
            if (account != null && account.held() > 0) {
                giveBack(limits, account);
            }
        }
    }
}
