package io.gatehouse.management.accounts;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a person may do. The names are what tokens, the database and {@code @RolesAllowed} carry; docs/security.md
 * has the matrix of pages and admin endpoints each one reaches.
 */
public enum Role {
    ADMIN(Role.ADMIN_NAME),
    API_OWNER(Role.API_OWNER_NAME),
    FINANCE(Role.FINANCE_NAME),
    COMPLIANCE(Role.COMPLIANCE_NAME),
    DEVELOPER(Role.DEVELOPER_NAME);

    /** Constants for annotations, which need compile-time strings. */
    public static final String ADMIN_NAME = "admin";
    public static final String API_OWNER_NAME = "api-owner";
    public static final String FINANCE_NAME = "finance";
    public static final String COMPLIANCE_NAME = "compliance";
    public static final String DEVELOPER_NAME = "developer";

    private final String id;

    Role(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Role> of(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String trimmed = name.trim();
        return Arrays.stream(values()).filter(r -> r.id.equalsIgnoreCase(trimmed)).findFirst();
    }
}
