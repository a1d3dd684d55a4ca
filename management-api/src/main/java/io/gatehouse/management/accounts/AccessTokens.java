package io.gatehouse.management.accounts;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Personal access tokens: what a user sees of them. The token itself is shown once, at creation. */
public final class AccessTokens {
    /** Marks a Gatehouse personal access token, so a leaked one is recognisable (and told apart from an OIDC JWT). */
    public static final String PREFIX = "ghp_";

    private AccessTokens() {
    }

    public record Issued(String token, Listed listed) {
    }

    public record Listed(UUID id, String name, String prefix, OffsetDateTime createdAt, OffsetDateTime expiresAt,
                         OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {
        public boolean active() {
            return revokedAt == null && (expiresAt == null || expiresAt.isAfter(OffsetDateTime.now()));
        }
    }
}
