package io.gatehouse.management.changes;

import java.util.Set;

/**
 * Who makes a change: a signed-in user, a personal or OIDC token's owner, or the bootstrap admin token.
 *
 * @param name    the principal's name; {@link #ADMIN_TOKEN} for the bootstrap token
 * @param role    the role the change is attributed to (the first of {@code roles} in a fixed order of power)
 * @param roles   every role the actor holds
 * @param address the client address the request came from; null outside a request (a scheduled job)
 */
public record Actor(String name, String role, Set<String> roles, String address) {
    public static final String ADMIN_TOKEN = "admin-token";
    public static final String ADMIN_ROLE = "admin";
    /** Changes the control plane makes by itself (startup, schedules). */
    public static final Actor SYSTEM = new Actor("system", "system", Set.of("system"), null);

    /** Order in which a role names the actor when it holds several. */
    private static final String[] PRECEDENCE = {"admin", "api-owner", "finance", "compliance", "developer"};

    public static Actor of(String name, Set<String> roles, String address) {
        String role = null;
        for (String candidate : PRECEDENCE) {
            if (roles.contains(candidate)) {
                role = candidate;
                break;
            }
        }
        if (role == null) {
            role = roles.isEmpty() ? "none" : roles.stream().sorted().findFirst().orElseThrow();
        }
        return new Actor(name, role, Set.copyOf(roles), address);
    }

    public static Actor adminToken(String address) {
        return new Actor(ADMIN_TOKEN, ADMIN_ROLE, Set.of(ADMIN_ROLE), address);
    }
}
