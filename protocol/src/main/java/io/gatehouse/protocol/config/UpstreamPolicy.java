package io.gatehouse.protocol.config;

/**
 * How an API's upstream targets are chosen and guarded. Every field may be left out; {@link #DEFAULT} says what that
 * means, and {@link #problems()} what is allowed: the control plane refuses a policy with problems, and a gateway
 * refuses (NACKs) a snapshot holding one, so a bad value never reaches the request path. The gateway's policies each
 * read their part: balancing ({@code loadBalancing}), retries ({@code retries}), passive ejection and probes
 * ({@code eject*}, {@code probe*}), the circuit ({@code circuit*}, {@code maxPendingRequests}), active health checks
 * ({@code healthCheck*}, {@code *Threshold}) and connections ({@code maxConnections}).
 *
 * @param loadBalancing     P2C (power of two choices over least outstanding requests, the default), LEAST_REQUEST or ROUND_ROBIN
 * @param retries           extra attempts for an idempotent request whose target refused the connection or answered 502/503
 * @param ejectAfterFailures consecutive connect failures or 5xx answers after which a target is taken out (0: never)
 * @param ejectionMs        how long an ejected target stays out before it is probed; doubled each time it fails a probe
 * @param probePath         path probed (GET) to bring an ejected target back; any answer below 500 passes
 * @param probeTimeoutMs    how long a probe may take
 * @param maxPendingRequests requests in flight to all targets at once, per node, beyond which the gateway answers 503
 * @param circuitFailurePercent failures (connect, timeout, 5xx) in the window, in percent, that open the circuit
 * @param circuitMinRequests    requests the window must hold before the circuit may open
 * @param circuitWindowMs       the window failures are counted over
 * @param circuitOpenMs         how long an open circuit fails fast before one trial request is let through
 * @param healthCheckPath       active health checks: this path is requested (GET) on every target at an interval;
 *                              an answer from 200 to 399 is healthy (null: no active checks, only passive ejection)
 * @param healthCheckIntervalMs how often each target is checked
 * @param healthyThreshold      healthy checks in a row that bring an unhealthy target back
 * @param unhealthyThreshold    failed checks in a row that take a target out
 * @param maxConnections        connections per node to each target of this API (null: the node's pool size per
 *                              event loop); requests beyond them wait for a free connection
 */
public record UpstreamPolicy(
        LoadBalancing loadBalancing,
        Integer retries,
        Integer ejectAfterFailures,
        Integer ejectionMs,
        String probePath,
        Integer probeTimeoutMs,
        Integer maxPendingRequests,
        Integer circuitFailurePercent,
        Integer circuitMinRequests,
        Integer circuitWindowMs,
        Integer circuitOpenMs,
        String healthCheckPath,
        Integer healthCheckIntervalMs,
        Integer healthyThreshold,
        Integer unhealthyThreshold,
        Integer maxConnections) {

    public static final UpstreamPolicy DEFAULT = new UpstreamPolicy(LoadBalancing.P2C, 2, 5, 10_000, "/", 2_000,
            1_024, 50, 20, 10_000, 5_000, null, 5_000, 2, 3, null);

    /** A policy with only the balancing, retry and ejection fields given. */
    public static UpstreamPolicy of(String loadBalancing, Integer retries, Integer ejectAfterFailures, Integer ejectionMs,
                                    String probePath, Integer probeTimeoutMs) {
        return new UpstreamPolicy(loadBalancing == null ? null : LoadBalancing.valueOf(loadBalancing), retries, ejectAfterFailures, ejectionMs, probePath, probeTimeoutMs,
                null, null, null, null, null, null, null, null, null, null);
    }

    /** This policy with every missing field taken from {@link #DEFAULT}. */
    public UpstreamPolicy orDefaults() {
        return new UpstreamPolicy(
                loadBalancing == null ? DEFAULT.loadBalancing : loadBalancing,
                retries == null ? DEFAULT.retries : retries,
                ejectAfterFailures == null ? DEFAULT.ejectAfterFailures : ejectAfterFailures,
                ejectionMs == null ? DEFAULT.ejectionMs : ejectionMs,
                probePath == null ? DEFAULT.probePath : probePath,
                probeTimeoutMs == null ? DEFAULT.probeTimeoutMs : probeTimeoutMs,
                maxPendingRequests == null ? DEFAULT.maxPendingRequests : maxPendingRequests,
                circuitFailurePercent == null ? DEFAULT.circuitFailurePercent : circuitFailurePercent,
                circuitMinRequests == null ? DEFAULT.circuitMinRequests : circuitMinRequests,
                circuitWindowMs == null ? DEFAULT.circuitWindowMs : circuitWindowMs,
                circuitOpenMs == null ? DEFAULT.circuitOpenMs : circuitOpenMs,
                healthCheckPath,
                healthCheckIntervalMs == null ? DEFAULT.healthCheckIntervalMs : healthCheckIntervalMs,
                healthyThreshold == null ? DEFAULT.healthyThreshold : healthyThreshold,
                unhealthyThreshold == null ? DEFAULT.unhealthyThreshold : unhealthyThreshold,
                maxConnections);
    }

    /** What is wrong with this policy, one message per field ({@code "retries must be 0 to 5"}); empty if nothing. */
    public java.util.List<String> problems() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        range(problems, "retries", retries, 0, 5);
        range(problems, "ejectAfterFailures", ejectAfterFailures, 0, 1_000);
        range(problems, "ejectionMs", ejectionMs, 100, 3_600_000);
        path(problems, "probePath", probePath);
        range(problems, "probeTimeoutMs", probeTimeoutMs, 1, 60_000);
        range(problems, "maxPendingRequests", maxPendingRequests, 1, 1_000_000);
        range(problems, "circuitFailurePercent", circuitFailurePercent, 1, 100);
        range(problems, "circuitMinRequests", circuitMinRequests, 1, 1_000_000);
        range(problems, "circuitWindowMs", circuitWindowMs, 100, 3_600_000);
        range(problems, "circuitOpenMs", circuitOpenMs, 100, 3_600_000);
        path(problems, "healthCheckPath", healthCheckPath);
        range(problems, "healthCheckIntervalMs", healthCheckIntervalMs, 100, 3_600_000);
        range(problems, "healthyThreshold", healthyThreshold, 1, 100);
        range(problems, "unhealthyThreshold", unhealthyThreshold, 1, 100);
        range(problems, "maxConnections", maxConnections, 1, 100_000);
        return problems;
    }

    // ---- One declared config per gateway policy, read from the fields above (on a policy with its defaults) ----

    /** What the balancing policy reads: the strategy over the weighted, non-ejected targets. */
    public record BalancingConfig(LoadBalancing strategy) {
    }

    /** What the dispatch reads for retries: extra attempts of an idempotent request (within the retry budget). */
    public record RetryConfig(int maxRetries) {
    }

    /** Passive ejection of a failing target, and the probe that brings it back. */
    public record EjectionConfig(int afterFailures, int ejectionMs, String probePath, int probeTimeoutMs) {
    }

    /** What upstream admission reads: the node's cap of requests in flight to the API, and its circuit breaker. */
    public record CircuitConfig(int maxPendingRequests, int failurePercent, int minRequests, int windowMs, int openMs) {
    }

    /** Active health checks; {@code path} null: none (passive ejection only). */
    public record HealthCheckConfig(String path, int intervalMs, int healthyThreshold, int unhealthyThreshold, int timeoutMs) {
    }

    /** Connections per node to each target; {@code maxPerTarget} null: the node's pool size per event loop. */
    public record ConnectionConfig(Integer maxPerTarget) {
    }

    public BalancingConfig balancing() {
        return new BalancingConfig(loadBalancing == null ? DEFAULT.loadBalancing : loadBalancing);
    }

    public RetryConfig retry() {
        return new RetryConfig(or(retries, DEFAULT.retries));
    }

    public EjectionConfig ejection() {
        return new EjectionConfig(or(ejectAfterFailures, DEFAULT.ejectAfterFailures), or(ejectionMs, DEFAULT.ejectionMs),
                probePath == null ? DEFAULT.probePath : probePath, or(probeTimeoutMs, DEFAULT.probeTimeoutMs));
    }

    public CircuitConfig circuit() {
        return new CircuitConfig(or(maxPendingRequests, DEFAULT.maxPendingRequests), or(circuitFailurePercent, DEFAULT.circuitFailurePercent),
                or(circuitMinRequests, DEFAULT.circuitMinRequests), or(circuitWindowMs, DEFAULT.circuitWindowMs),
                or(circuitOpenMs, DEFAULT.circuitOpenMs));
    }

    public HealthCheckConfig healthChecks() {
        return new HealthCheckConfig(healthCheckPath, or(healthCheckIntervalMs, DEFAULT.healthCheckIntervalMs),
                or(healthyThreshold, DEFAULT.healthyThreshold), or(unhealthyThreshold, DEFAULT.unhealthyThreshold),
                or(probeTimeoutMs, DEFAULT.probeTimeoutMs));
    }

    public ConnectionConfig connections() {
        return new ConnectionConfig(maxConnections);
    }

    private static int or(Integer value, Integer fallback) {
        return value != null ? value : fallback;
    }

    private static void range(java.util.List<String> problems, String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            problems.add(field + " must be " + min + " to " + max + ", got " + value);
        }
    }

    private static void path(java.util.List<String> problems, String field, String value) {
        if (value != null && (value.isEmpty() || value.charAt(0) != '/' || value.length() > 200
                || value.chars().anyMatch(c -> c <= ' ' || c >= 127))) {
            problems.add(field + " must be a path starting with '/', got '" + value + "'");
        }
    }
}
