package io.gatehouse.management.apis;

import io.gatehouse.protocol.config.CanaryRule;

import java.util.Map;

/** The canary rule and how each variant is doing since it was set. */
public record CanaryStatus(CanaryRule rule, Map<String, CanaryMetrics.VariantView> variants) {
}
