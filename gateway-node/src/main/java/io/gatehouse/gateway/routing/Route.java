package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.UpstreamPolicy;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One published API as the gateway routes it: immutable but for the shared target states and counters. */
public final class Route {
    private final ApiDefinition api;
    private final UpstreamPolicy policy;
    private final String basePath;
    private final TargetState[] targets;
    /** Target indexes, each repeated by its weight: weighted round robin and weighted random picks. */
    private final int[] slots;
    private final String keyHeader;
    private final AtomicInteger cursor = new AtomicInteger();
    /** Retry tokens ×10: each request earns 2 (a retry budget of 20% of traffic), each retry costs 10. */
    private final AtomicLong retryTokens = new AtomicLong(100);
    private final CircuitBreaker circuit;

    Route(ApiDefinition api, String basePath, TargetState[] targets, int[] slots) {
        this.api = api;
        this.policy = api.policy();
        this.basePath = basePath;
        this.targets = targets;
        this.slots = slots;
        this.keyHeader = api.keyHeader() == null || api.keyHeader().isBlank() ? "X-API-Key" : api.keyHeader();
        this.circuit = new CircuitBreaker(policy);
    }

    /** Whether a request may be sent upstream: the circuit is closed (or lets this one trial through). */
    public boolean circuitAllows(long now) {
        return circuit.allow(now);
    }

    public boolean circuitOpen() {
        return circuit.open();
    }

    /** Whether the upstream already has as many requests in flight from this node as the policy allows. */
    public boolean saturated() {
        int pending = 0;
        for (TargetState t : targets) {
            pending += t.outstanding();
        }
        return pending >= policy.maxPendingRequests();
    }

    public ApiDefinition api() {
        return api;
    }

    public UpstreamPolicy policy() {
        return policy;
    }

    public String apiId() {
        return api.id();
    }

    public String basePath() {
        return basePath;
    }

    public String keyHeader() {
        return keyHeader;
    }

    public TargetState[] targets() {
        return targets;
    }

    public long connectTimeoutMs() {
        return api.connectTimeoutMs() > 0 ? api.connectTimeoutMs() : 5_000;
    }

    public long readTimeoutMs() {
        return api.readTimeoutMs() > 0 ? api.readTimeoutMs() : 60_000;
    }

    /**
     * Chooses the target for a request, never {@code avoid} (a target that just failed it) unless it is the only
     * one. Ejected targets are skipped; if every target is ejected, all are used again (better a struggling
     * upstream than none).
     */
    public TargetState choose(TargetState avoid) {
        boolean panic = takingTraffic() == 0;
        return switch (policy.loadBalancing()) {
            case "ROUND_ROBIN" -> roundRobin(avoid, panic);
            case "LEAST_REQUEST" -> leastRequest(avoid, panic);
            default -> powerOfTwoChoices(avoid, panic);
        };
    }

    private boolean usable(TargetState t, TargetState avoid, boolean panic) {
        return t != avoid && (panic || !t.ejected());
    }

    private TargetState roundRobin(TargetState avoid, boolean panic) {
        for (int i = 0; i < slots.length; i++) {
            TargetState t = targets[slots[(cursor.getAndIncrement() & Integer.MAX_VALUE) % slots.length]];
            if (usable(t, avoid, panic)) {
                return t;
            }
        }
        return avoid != null ? avoid : targets[0];
    }

    private TargetState leastRequest(TargetState avoid, boolean panic) {
        TargetState best = null;
        for (TargetState t : targets) {
            if (usable(t, avoid, panic) && (best == null || t.load() < best.load())) {
                best = t;
            }
        }
        return best != null ? best : (avoid != null ? avoid : targets[0]);
    }

    /** Two weighted random picks, the less loaded wins: near least-request balance without scanning every target. */
    private TargetState powerOfTwoChoices(TargetState avoid, boolean panic) {
        if (targets.length == 1) {
            return targets[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        TargetState a = null;
        TargetState b = null;
        for (int tries = 0; tries < 8 && (a == null || b == null); tries++) {
            TargetState t = targets[slots[random.nextInt(slots.length)]];
            if (!usable(t, avoid, panic)) {
                continue;
            }
            if (a == null) {
                a = t;
            } else if (t != a) {
                b = t;
            }
        }
        if (a == null) {
            return leastRequest(avoid, panic);
        }
        return b == null || a.load() <= b.load() ? a : b;
    }

    /** Targets not ejected. */
    int takingTraffic() {
        int n = 0;
        for (TargetState t : targets) {
            if (!t.ejected()) {
                n++;
            }
        }
        return n;
    }

    public void failed(TargetState target) {
        long now = System.nanoTime();
        UpstreamHealth.failed(this, target, now);
        circuit.record(false, now);
    }

    public void succeeded(TargetState target) {
        UpstreamHealth.succeeded(target);
        circuit.record(true, System.nanoTime());
    }

    /** Every request adds to the retry budget, up to a cap. */
    public void requested() {
        long tokens = retryTokens.get();
        if (tokens < 1_000) {
            retryTokens.compareAndSet(tokens, tokens + 2);
        }
    }

    /** Takes one retry from the budget, if there is one. */
    public boolean mayRetry() {
        while (true) {
            long tokens = retryTokens.get();
            if (tokens < 10) {
                return false;
            }
            if (retryTokens.compareAndSet(tokens, tokens - 10)) {
                return true;
            }
        }
    }

    /** The path to send upstream for a request path that matched this route. */
    public String upstreamPath(TargetState target, String requestPath) {
        String rest = api.stripBasePath() && !"/".equals(basePath) ? requestPath.substring(basePath.length()) : requestPath;
        String prefix = target.url().pathPrefix();
        if (rest.isEmpty()) {
            return prefix.isEmpty() ? "/" : prefix;
        }
        return prefix.isEmpty() ? rest : prefix + rest;
    }

    boolean matchesPath(String path) {
        if ("/".equals(basePath)) {
            return true;
        }
        return path.startsWith(basePath) && (path.length() == basePath.length() || path.charAt(basePath.length()) == '/');
    }
}
