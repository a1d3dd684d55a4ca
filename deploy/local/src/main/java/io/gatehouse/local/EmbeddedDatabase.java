package io.gatehouse.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real PostgreSQL server run from jars, for the local platform and the system tests. With a data directory its
 * data survives restarts; without one it starts empty.
 *
 * <p>It accepts only the password it is given (scram-sha-256 for every connection, local or TCP): initdb as run by the
 * embedded server trusts every local user as superuser, so on the first start the password is set and pg_hba.conf
 * replaced before anything else connects; on later starts pg_hba.conf is replaced before the server starts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    /** Written into the data directory once the password is set, so later starts lock down before starting. */
    static final String LOCKED_MARKER = "gatehouse-password-set";
    private static final String PG_HBA = """
            # Written by Gatehouse: every connection needs the generated password (see .gatehouse/db-password).
            local   all   all                  scram-sha-256
            host    all   all   127.0.0.1/32   scram-sha-256
            host    all   all   ::1/128        scram-sha-256
            """;

    private final EmbeddedPostgres postgres;
    private final String password;

    private EmbeddedDatabase(EmbeddedPostgres postgres, String password) {
        this.postgres = postgres;
        this.password = password;
    }

    public static EmbeddedDatabase start(Path dataDir, int port, String password) throws IOException {
        if (password == null || password.isBlank() || !password.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("the database password must be letters, digits, '-' or '_'");
        }
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
        }
        if (port > 0) {
            builder.setPort(port);
        }
        AtomicReference<File> data = new AtomicReference<>();
        builder.setConnectConfig("password", password);
        builder.setDataDirectoryCustomizer(dir -> {
            data.set(dir);
            if (Files.exists(dir.toPath().resolve(LOCKED_MARKER))) {
                writeHba(dir.toPath());
            }
        });
        EmbeddedPostgres postgres = builder.start();
        try {
            lockDown(postgres, data.get().toPath(), password);
        } catch (SQLException | IOException | RuntimeException e) {
            postgres.close();
            throw new IOException("could not set the database password: " + e.getMessage(), e);
        }
        return new EmbeddedDatabase(postgres, password);
    }

    /** Sets the password (again: it may have been trusted until now), then requires it of every connection. */
    private static void lockDown(EmbeddedPostgres postgres, Path dataDir, String password) throws SQLException, IOException {
        try (Connection connection = postgres.getPostgresDatabase(Map.of("password", password)).getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("set password_encryption = 'scram-sha-256'");
            statement.execute("alter role postgres with password '" + password + "'");
            writeHba(dataDir);
            statement.execute("select pg_reload_conf()");
        }
        Files.writeString(dataDir.resolve(LOCKED_MARKER), "scram-sha-256\n");
    }

    private static void writeHba(Path dataDir) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), PG_HBA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** A JDBC URL of the postgres database, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
    }

    /** The environment the control plane needs to use this database. */
    public Map<String, String> controlPlaneEnvironment() {
        return Map.of(
                "GATEHOUSE_DB_HOST", "127.0.0.1",
                "GATEHOUSE_DB_PORT", String.valueOf(port()),
                "GATEHOUSE_DB_NAME", "postgres",
                "GATEHOUSE_DB_USER", "postgres",
                "GATEHOUSE_DB_PASSWORD", password);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
