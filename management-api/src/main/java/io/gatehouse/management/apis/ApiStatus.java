package io.gatehouse.management.apis;

import java.util.Set;

/**
 * An API's lifecycle. Only PUBLISHED and DEPRECATED APIs reach the gateways; a deprecated API still serves its
 * subscribers but takes no new subscriptions.
 */
public enum ApiStatus {
    DRAFT, PUBLISHED, DEPRECATED;

    public Set<ApiStatus> next() {
        return switch (this) {
            case DRAFT -> Set.of(PUBLISHED);
            case PUBLISHED -> Set.of(DEPRECATED);
            case DEPRECATED -> Set.of(PUBLISHED);
        };
    }

    public boolean canBecome(ApiStatus target) {
        return this == target || next().contains(target);
    }

    public boolean routed() {
        return this != DRAFT;
    }
}
