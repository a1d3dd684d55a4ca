package io.gatehouse.management.plans;

/**
 * What a gateway node does with a limited plan's requests when it cannot reach the control plane for more than the
 * leases it holds: OPEN admits them (availability first, the default, as Kong's fault_tolerant), CLOSED answers 503.
 */
public enum FailureMode {
    OPEN, CLOSED
}
