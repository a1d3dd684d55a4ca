package io.gatehouse.protocol.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamPolicyTest {

    private static final UpstreamPolicy EMPTY = new UpstreamPolicy(null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null);

    @Test
    void eachPolicyReadsItsOwnConfigWithTheDefaultsDeclaredOnce() {
        UpstreamPolicy.CircuitConfig circuit = EMPTY.circuit();
        assertThat(circuit.maxPendingRequests()).isEqualTo(UpstreamPolicy.DEFAULT.maxPendingRequests());
        assertThat(circuit.failurePercent()).isEqualTo(UpstreamPolicy.DEFAULT.circuitFailurePercent());
        assertThat(circuit.openMs()).isEqualTo(UpstreamPolicy.DEFAULT.circuitOpenMs());
        assertThat(EMPTY.balancing().strategy()).isEqualTo(LoadBalancing.P2C);
        assertThat(EMPTY.retry().maxRetries()).isEqualTo(UpstreamPolicy.DEFAULT.retries());
        assertThat(EMPTY.ejection().probePath()).isEqualTo("/");
        assertThat(EMPTY.healthChecks().path()).as("no active checks unless asked for").isNull();
        assertThat(EMPTY.connections().maxPerTarget()).isNull();
        // The config of one policy is exactly what the API's owner set for it.
        UpstreamPolicy owner = new UpstreamPolicy(LoadBalancing.ROUND_ROBIN, 0, null, null, null, null, 7, 90, null,
                null, 250, "/health", 1_000, 1, 2, 16);
        assertThat(owner.balancing().strategy()).isEqualTo(LoadBalancing.ROUND_ROBIN);
        assertThat(owner.retry().maxRetries()).isZero();
        assertThat(owner.circuit()).isEqualTo(new UpstreamPolicy.CircuitConfig(7, 90, UpstreamPolicy.DEFAULT.circuitMinRequests(),
                UpstreamPolicy.DEFAULT.circuitWindowMs(), 250));
        assertThat(owner.healthChecks()).isEqualTo(new UpstreamPolicy.HealthCheckConfig("/health", 1_000, 1, 2,
                UpstreamPolicy.DEFAULT.probeTimeoutMs()));
        assertThat(owner.connections().maxPerTarget()).isEqualTo(16);
    }

    @Test
    void aBadValueIsNamedByItsFieldBeforeAnyPolicyReadsIt() {
        UpstreamPolicy bad = new UpstreamPolicy(null, 9, null, null, "no-slash", null, 0, 101, null, null, null, null, null,
                null, null, null);
        assertThat(bad.problems()).containsExactlyInAnyOrder(
                "retries must be 0 to 5, got 9",
                "probePath must be a path starting with '/', got 'no-slash'",
                "maxPendingRequests must be 1 to 1000000, got 0",
                "circuitFailurePercent must be 1 to 100, got 101");
        assertThat(UpstreamPolicy.DEFAULT.problems()).isEmpty();
    }
}
