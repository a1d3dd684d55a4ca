package io.gatehouse.protocol.config;

/**
 * How an API's upstream targets are chosen and guarded. Every field may be left out; {@link #DEFAULT} says what that
 * means.
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
        String loadBalancing,
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

    public static final UpstreamPolicy DEFAULT = new UpstreamPolicy("P2C", 2, 5, 10_000, "/", 2_000,
            1_024, 50, 20, 10_000, 5_000, null, 5_000, 2, 3, null);

    /** A policy with only the balancing, retry and ejection fields given. */
    public static UpstreamPolicy of(String loadBalancing, Integer retries, Integer ejectAfterFailures, Integer ejectionMs,
                                    String probePath, Integer probeTimeoutMs) {
        return new UpstreamPolicy(loadBalancing, retries, ejectAfterFailures, ejectionMs, probePath, probeTimeoutMs,
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
}
