package io.gatehouse.audit.verify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/**
 * {@code java -jar gatehouse-audit.jar verify EXPORT MANIFEST} checks an export;
 * {@code java -jar gatehouse-audit.jar verify JDBC_URL} checks the live store. Nothing else needs to run.
 * Exit status: 0 verified, 1 the trail is broken (the first broken record is named), 2 wrong usage or unreadable input.
 */
public final class AuditCli {
    private AuditCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit status (for callers that embed it). */
    public static int run(String[] args) {
        if (args.length < 2 || !"verify".equals(args[0])) {
            System.err.println("usage: verify EXPORT.jsonl|EXPORT.csv MANIFEST.json\n       verify jdbc:postgresql://HOST/DB?user=U&password=P");
            return 2;
        }
        try {
            Verification result;
            if (args[1].startsWith("jdbc:")) {
                try (Connection connection = DriverManager.getConnection(args[1])) {
                    result = StoreVerifier.verify(connection);
                }
            } else {
                if (args.length < 3 || !Files.isRegularFile(Path.of(args[1])) || !Files.isRegularFile(Path.of(args[2]))) {
                    System.err.println("verify needs an export file and its manifest file");
                    return 2;
                }
                result = ExportVerifier.verify(Path.of(args[1]), Path.of(args[2]));
            }
            System.out.println(result.describe());
            return result.ok() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("cannot verify: " + e);
            return 2;
        }
    }
}
