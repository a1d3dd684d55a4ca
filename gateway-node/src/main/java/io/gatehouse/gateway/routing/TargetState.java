package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.UpstreamUrl;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream target of one API, as every event loop sees it: requests in flight, recent failures, ejection.
 * Counters are atomics: read and bumped by all event loops without locks. The state outlives config changes
 * (see {@link UpstreamHealth}), so a push does not forget that a target is down.
 */
public final class TargetState {
    private final UpstreamUrl url;
    private final int weight;
    private final String authority;
    /** Scheme, host and port: the upstream connections this target can share with others. */
    private final String origin;
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    final AtomicBoolean probing = new AtomicBoolean();
    /** 0 while the target takes traffic; otherwise when it may next be probed. */
    volatile long ejectedUntilNanos;
    volatile int ejections;
    /** Active health checks: the target failed enough checks in a row and is out until it passes enough again. */
    volatile boolean unhealthy;
    final AtomicBoolean checking = new AtomicBoolean();
    volatile long nextCheckNanos;
    int checksPassedInARow;
    int checksFailedInARow;

    TargetState(UpstreamUrl url, int weight) {
        this(url, weight, null);
    }

    /** @param authority the Host header to send, when the target was found by discovery and is dialled by address */
    TargetState(UpstreamUrl url, int weight, String authority) {
        this.url = url;
        this.weight = Math.max(1, weight);
        this.authority = authority;
        this.origin = (url.ssl() ? "https://" : "http://") + url.host() + ':' + url.port();
    }

    /** Scheme, host and port, for sharing connections among targets that differ only in their path. */
    public String origin() {
        return origin;
    }

    /** The Host header for this target; null to derive it from the URL. */
    public String authority() {
        return authority;
    }

    public UpstreamUrl url() {
        return url;
    }

    public int weight() {
        return weight;
    }

    /** Out of the rotation: ejected by passive outlier detection, or unhealthy by active checks. */
    public boolean ejected() {
        return ejectedUntilNanos != 0 || unhealthy;
    }

    public boolean unhealthy() {
        return unhealthy;
    }

    public int outstanding() {
        return outstanding.get();
    }

    /** Load per unit of weight, for the least-request choices: lower is better. */
    double load() {
        return (outstanding.get() + 1.0) / weight;
    }

    public void started() {
        outstanding.incrementAndGet();
    }

    public void finished() {
        outstanding.decrementAndGet();
    }
}
