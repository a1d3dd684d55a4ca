package io.gatehouse.management.consumers;

import java.time.Instant;

public record ConsumerView(String id, String username, String email, Instant createdAt) {
    public static ConsumerView of(ConsumerEntity c) {
        return new ConsumerView(c.id.toString(), c.username, c.email, c.createdAt);
    }
}
