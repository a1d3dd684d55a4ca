package io.gatehouse.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One console account per role for a local run. Passwords are generated once and kept in GATEHOUSE_HOME/accounts
 * (mode 0600); the control plane creates the accounts that are missing from that file at start.
 */
final class LocalAccounts {
    static final List<String> ROLES = List.of("admin", "api-owner", "finance", "compliance", "developer");
    private final Path file;
    private final List<String[]> accounts;

    private LocalAccounts(Path file, List<String[]> accounts) {
        this.file = file;
        this.accounts = accounts;
    }

    static LocalAccounts prepare(Path home) throws IOException {
        Path file = home.resolve("accounts");
        if (!Files.isRegularFile(file)) {
            SecureRandom random = new SecureRandom();
            StringBuilder lines = new StringBuilder("# email\troles\tteam\tpassword (created at the control plane's start when missing)\n");
            for (String role : ROLES) {
                byte[] bytes = new byte[12];
                random.nextBytes(bytes);
                String team = role.equals("api-owner") ? "demo" : "-";
                lines.append(role).append("@gatehouse.local\t").append(role).append('\t').append(team).append('\t')
                        .append(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)).append('\n');
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, lines);
        }
        List<String[]> accounts = Files.readAllLines(file).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("\t"))
                .filter(f -> f.length == 4)
                .toList();
        return new LocalAccounts(file, accounts);
    }

    Path file() {
        return file;
    }

    String signInLines() {
        return accounts.stream().map(a -> "  %-28s %s   (%s)".formatted(a[0], a[3], a[1])).collect(Collectors.joining("\n"));
    }
}
