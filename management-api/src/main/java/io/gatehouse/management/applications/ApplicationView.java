package io.gatehouse.management.applications;

import java.time.Instant;

public record ApplicationView(String id, String consumerId, String name, String description, Instant createdAt) {
    public static ApplicationView of(ApplicationEntity a) {
        return new ApplicationView(a.id.toString(), a.consumerId.toString(), a.name, a.description, a.createdAt);
    }
}
