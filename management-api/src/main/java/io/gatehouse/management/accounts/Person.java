package io.gatehouse.management.accounts;

import java.util.Set;
import java.util.UUID;

/**
 * Who an authenticated request comes from, as the authentication mechanism found it.
 *
 * @param userId null for the bootstrap admin token and for OIDC bearer tokens of people without an account row
 * @param method how they authenticated: one of the constants below
 */
public record Person(UUID userId, String email, Set<String> roles, String team, String method) {
    public static final String SESSION = "session";
    public static final String ACCESS_TOKEN = "access-token";
    public static final String BOOTSTRAP_TOKEN = "bootstrap-token";
    public static final String NODE_TOKEN = "node-token";
    public static final String OIDC = "oidc";
}
