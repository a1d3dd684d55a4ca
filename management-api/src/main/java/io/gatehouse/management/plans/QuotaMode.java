package io.gatehouse.management.plans;

/** HARD: once the monthly quota is spent, requests get 429. SOFT: they pass and the excess is billed as overage. */
public enum QuotaMode {
    HARD, SOFT
}
