package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.CanaryRule;
import io.gatehouse.protocol.config.ShadowRule;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamUrl;

import java.util.concurrent.atomic.AtomicLong;

/** One published API as the gateway routes it: immutable but for the shared target states and counters. */
public final class Route {
    private final ApiDefinition api;
    private final UpstreamPolicy policy;
    /** Each policy's own declared config, read once from the API's upstream policy. */
    private final UpstreamPolicy.BalancingConfig balancing;
    private final UpstreamPolicy.RetryConfig retry;
    private final UpstreamPolicy.CircuitConfig circuitConfig;
    private final UpstreamPolicy.ConnectionConfig connections;
    private final String basePath;
    private final TargetGroup stable;
    private final TargetGroup canary;
    private final CanaryRule canaryRule;
    private final int canaryBasisPoints;
    private final int apiHash;
    private final ShadowRule shadowRule;
    private final UpstreamUrl shadowUrl;
    private final String keyHeader;
    private final ApiRuntime runtime;
    /** The documented operations; null routes every path under the base path. */
    private final OperationTable operations;
    private final io.gatehouse.gateway.cors.CorsRules cors;

    Route(ApiDefinition api, String basePath, TargetGroup stable, TargetGroup canary, UpstreamUrl shadowUrl, ApiRuntime runtime) {
        this.api = api;
        this.policy = api.policy();
        this.balancing = policy.balancing();
        this.retry = policy.retry();
        this.circuitConfig = policy.circuit();
        this.connections = policy.connections();
        this.basePath = basePath;
        this.stable = stable;
        this.canary = canary;
        this.canaryRule = canary == null ? null : api.canary();
        this.canaryBasisPoints = canary == null ? 0 : (int) Math.round(Math.max(0, Math.min(100, api.canary().percent())) * 100);
        this.apiHash = api.id().hashCode();
        this.shadowRule = shadowUrl == null ? null : api.shadow();
        this.shadowUrl = shadowUrl;
        this.keyHeader = api.keyHeader() == null || api.keyHeader().isBlank() ? ApiDefinition.DEFAULT_KEY_HEADER : api.keyHeader();
        this.runtime = runtime;
        this.operations = OperationTable.compile(api.operations());
        this.cors = io.gatehouse.gateway.cors.CorsRules.of(api, keyHeader);
    }

    public OperationTable operations() {
        return operations;
    }

    /** Which web pages may call this API (CORS), compiled from its rule. */
    public io.gatehouse.gateway.cors.CorsRules cors() {
        return cors;
    }

    /** The circuit's answer for a request now: {@code DENY}, {@code ALLOW} or {@code TRIAL} (see {@link CircuitBreaker}). */
    int admit(long now) {
        return runtime.circuit.admit(now);
    }

    CircuitBreaker circuit() {
        return runtime.circuit;
    }

    /** The circuit's state now, as exported: {@code closed}, {@code open} or {@code half_open}. */
    public String circuitState() {
        return runtime.circuit.state(System.nanoTime());
    }

    /** This API's meters (of the node's metrics, or ones that record nothing when metrics are off). */
    public io.gatehouse.gateway.metrics.ApiMeters meters() {
        return runtime.meters;
    }

    /** Whether the circuit is open now (its trial may be under way). */
    public boolean circuitOpen() {
        return runtime.circuit.open();
    }

    /** Whether the upstream already has as many requests in flight from this node as the policy allows. */
    public boolean saturated() {
        int pending = stable.outstanding() + (canary == null ? 0 : canary.outstanding());
        return pending >= circuitConfig.maxPendingRequests();
    }

    public ApiDefinition api() {
        return api;
    }

    public UpstreamPolicy policy() {
        return policy;
    }

    public UpstreamPolicy.RetryConfig retry() {
        return retry;
    }

    public UpstreamPolicy.ConnectionConfig connections() {
        return connections;
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

    /** Every target, stable and canary. */
    public TargetState[] targets() {
        if (canary == null) {
            return stable.targets();
        }
        TargetState[] all = java.util.Arrays.copyOf(stable.targets(), stable.targets().length + canary.targets().length);
        System.arraycopy(canary.targets(), 0, all, stable.targets().length, canary.targets().length);
        return all;
    }

    public long connectTimeoutMs() {
        return api.connectTimeoutMs() > 0 ? api.connectTimeoutMs() : ApiDefinition.DEFAULT_CONNECT_TIMEOUT_MS;
    }

    public long readTimeoutMs() {
        return api.readTimeoutMs() > 0 ? api.readTimeoutMs() : ApiDefinition.DEFAULT_READ_TIMEOUT_MS;
    }

    /**
     * Chooses the target for a request in its variant's group, never {@code avoid} (a target that just failed it)
     * unless it is the only one.
     */
    public TargetState choose(boolean canaryVariant, TargetState avoid) {
        TargetGroup group = canaryVariant && canary != null ? canary : stable;
        return group.choose(balancing.strategy(), avoid);
    }

    public TargetState choose(TargetState avoid) {
        return stable.choose(balancing.strategy(), avoid);
    }

    /** Targets of the group that are not ejected. */
    int takingTraffic(TargetState target) {
        return (canary != null && canary.contains(target) ? canary : stable).takingTraffic();
    }

    /** The route's target groups: stable, and canary if there is one. */
    java.util.List<TargetGroup> groups() {
        return canary == null ? java.util.List.of(stable) : java.util.List.of(stable, canary);
    }

    public CanaryRule canaryRule() {
        return canaryRule;
    }

    /**
     * Whether this consumer's requests go to the canary: a hash of its id against the percentage, so the same
     * consumer always lands on the same side while the percentage holds.
     */
    public boolean canaryFor(String consumerId) {
        return canary != null && Math.floorMod(mix(consumerId.hashCode() ^ apiHash), 10_000) < canaryBasisPoints;
    }

    /** Murmur3's finaliser: spreads similar ids (consumer-1, consumer-2, …) evenly over the buckets. */
    static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    public VariantStats stats(boolean canaryVariant) {
        return canaryVariant ? runtime.canaryStats : runtime.stableStats;
    }

    public ShadowRule shadowRule() {
        return shadowRule;
    }

    public UpstreamUrl shadowUrl() {
        return shadowUrl;
    }

    /** A slot for a mirrored request, if the shadow has room. */
    public boolean tryShadow() {
        while (true) {
            int inFlight = runtime.shadowInFlight.get();
            if (inFlight >= shadowRule.concurrency()) {
                return false;
            }
            if (runtime.shadowInFlight.compareAndSet(inFlight, inFlight + 1)) {
                return true;
            }
        }
    }

    public void shadowDone() {
        runtime.shadowInFlight.decrementAndGet();
    }

    /** Every request adds to the retry budget, up to a cap. */
    public void requested() {
        AtomicLong retryTokens = runtime.retryTokens;
        long tokens = retryTokens.get();
        if (tokens < 1_000) {
            retryTokens.compareAndSet(tokens, tokens + 2);
        }
    }

    /** Takes one retry from the budget, if there is one. */
    public boolean mayRetry() {
        AtomicLong retryTokens = runtime.retryTokens;
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
        return upstreamPath(target.url().pathPrefix(), requestPath);
    }

    /** The same, for an upstream whose URL has the given path prefix. */
    public String upstreamPath(String prefix, String requestPath) {
        String rest = api.stripBasePath() && !"/".equals(basePath) ? requestPath.substring(basePath.length()) : requestPath;
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
