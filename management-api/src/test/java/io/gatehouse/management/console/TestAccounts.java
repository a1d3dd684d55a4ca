package io.gatehouse.management.console;

import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** One built-in account per role, with unique addresses so test classes sharing a database do not collide. */
public final class TestAccounts {
    public static final String PASSWORD = "correct horse battery staple";

    private TestAccounts() {
    }

    public static String email(Role role) {
        return role.id() + "-" + UUID.randomUUID().toString().substring(0, 8) + "@gatehouse.test";
    }

    public static Map<Role, String> onePerRole(Accounts accounts, String team) {
        Map<Role, String> emails = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            String email = email(role);
            accounts.createLocal(email, Set.of(role.id()), role == Role.API_OWNER ? team : null, PASSWORD);
            emails.put(role, email);
        }
        return emails;
    }
}
