package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.limits.QuotaPeriod;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The quota units this node holds for one subscription in one period, leased from the control plane. Taking a unit
 * is one CAS; the control plane never grants more than the quota in total, so the cluster never admits more.
 */
public final class QuotaAccount {
    enum Take { TAKEN, EXHAUSTED, WAIT }

    final QuotaPeriod period;
    final long periodEndMillis;
    private final AtomicLong units = new AtomicLong();
    final AtomicBoolean leaseInFlight = new AtomicBoolean();
    volatile long lastGrant;
    volatile long quota = -1;
    /** What the control plane had left to grant after its last answer: with our own units, the quota headers. */
    volatile long remainingAtControlPlane = -1;
    volatile long exhaustedUntilNanos;
    volatile long lastUseNanos;
    /** Units taken since the last lease request: sizes the next one. */
    final AtomicLong takenSinceLease = new AtomicLong();
    volatile long lastLeaseNanos;

    QuotaAccount(QuotaPeriod period) {
        this.period = period;
        this.periodEndMillis = period.end().toEpochMilli();
    }

    Take take(long now) {
        lastUseNanos = now;
        while (true) {
            long held = units.get();
            if (held <= 0) {
                break;
            }
            if (units.compareAndSet(held, held - 1)) {
                takenSinceLease.incrementAndGet();
                return Take.TAKEN;
            }
        }
        return now < exhaustedUntilNanos ? Take.EXHAUSTED : Take.WAIT;
    }

    /** A unit taken by a request that was then refused before it went upstream: it was not used. */
    void giveBack() {
        units.incrementAndGet();
        takenSinceLease.decrementAndGet();
    }

    long held() {
        return Math.max(0, units.get());
    }

    /** Units ever granted to and given back from this account: with what it holds, what requests used. Off the request path. */
    private final AtomicLong granted = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();

    void grant(long granted) {
        if (granted > 0) {
            units.addAndGet(granted);
            this.granted.addAndGet(granted);
        }
        lastGrant = granted;
    }

    /** Takes every unit this node holds, to give back. */
    long drain() {
        long drained = Math.max(0, units.getAndSet(0));
        returned.addAndGet(drained);
        return drained;
    }

    /** Units of this period used by requests on this node. */
    long used() {
        return granted.get() - returned.get() - held();
    }

    /** A request estimate of what remains cluster-wide, for headers. */
    long remainingEstimate() {
        long cp = remainingAtControlPlane;
        return cp < 0 ? -1 : cp + held();
    }

    boolean needsMore() {
        long held = units.get();
        long last = lastGrant;
        return held <= Math.max(1, last / 4);
    }
}
