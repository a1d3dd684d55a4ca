package io.gatehouse.management.accounts;

import io.vertx.mutiny.sqlclient.Row;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** One row of {@code users}. */
public record UserAccount(UUID id, String email, String passwordHash, Set<String> roles, String team, String source,
                          boolean disabled, String displayName, java.time.OffsetDateTime emailVerifiedAt) {

    public static final String LOCAL = "local";
    public static final String OIDC = "oidc";
    static final String COLUMNS = "id, email, password_hash, roles, team, source, disabled, display_name, email_verified_at";

    static UserAccount from(Row row) {
        return new UserAccount(row.getUUID("id"), row.getString("email"), row.getString("password_hash"),
                parseRoles(row.getString("roles")), row.getString("team"), row.getString("source"),
                row.getBoolean("disabled"), row.getString("display_name"), row.getOffsetDateTime("email_verified_at"));
    }

    /** Whether the owner of the address proved it (self-registered accounts must, before their first key). */
    public boolean emailVerified() {
        return emailVerifiedAt != null;
    }

    static Set<String> parseRoles(String csv) {
        if (csv == null || csv.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    static String joinRoles(Set<String> roles) {
        return String.join(",", roles);
    }
}
