package io.gatehouse.protocol.config;

import java.util.List;

/**
 * Sends part of an API's traffic to another upstream version. A consumer's side is decided by a hash of its id, so
 * it stays on one side while the percentage holds (raising the percentage only moves more consumers over); a request
 * whose header or cookie matches the rule goes to the canary whatever its consumer.
 *
 * @param targets     the canary version's upstream targets
 * @param percent     share of consumers sent to the canary, 0 to 100 (fractions allowed)
 * @param header      a header that sends a request to the canary when it equals {@code headerValue} (optional)
 * @param cookie      a cookie that does the same when it equals {@code cookieValue} (optional)
 */
public record CanaryRule(List<UpstreamTarget> targets, double percent, String header, String headerValue, String cookie,
                         String cookieValue) {
}
