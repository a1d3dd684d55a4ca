package io.gatehouse.management.accounts;

import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which roles may call which admin endpoints (docs/security.md has the same matrix as a table). This decides by
 * path and method only; what an api-owner may see inside an allowed path (their team's APIs) is the services'.
 */
public final class AdminAccess {
    private static final Pattern API_OWNER_PATHS = Pattern.compile(
            "^/admin/(apis|plans|subscriptions|keys)(/.*)?$|^/admin/applications/[^/]+/keys/?$");
    private static final Pattern API_OWNER_READ_PATHS = Pattern.compile("^/admin/(nodes|config)(/.*)?$");
    /** Compliance reads everything; the one thing it starts is an audit export. */
    private static final Pattern COMPLIANCE_WRITE_PATHS = Pattern.compile("^/admin/audit/exports/?$");
    private static final Pattern FINANCE_READ_PATHS = Pattern.compile(
            "^/admin/consumers/[^/]+/usage/?$|^/admin/subscriptions/[^/]+/quota/?$|^/admin/plans(/.*)?$|^/admin/billing(/.*)?$");

    private AdminAccess() {
    }

    /** Whether someone holding these roles may make this call. */
    public static boolean allows(Predicate<String> hasRole, String method, String path) {
        boolean read = "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
        if (hasRole.test(Role.ADMIN_NAME)) {
            return true;
        }
        if (hasRole.test(Role.COMPLIANCE_NAME) && (read || "POST".equals(method) && COMPLIANCE_WRITE_PATHS.matcher(path).matches())) {
            return true;
        }
        if (hasRole.test(Role.API_OWNER_NAME)
                && (API_OWNER_PATHS.matcher(path).matches() || read && API_OWNER_READ_PATHS.matcher(path).matches())) {
            return true;
        }
        return read && hasRole.test(Role.FINANCE_NAME) && FINANCE_READ_PATHS.matcher(path).matches();
    }

    public static boolean allows(Set<String> roles, String method, String path) {
        return allows(roles::contains, method, path);
    }
}
