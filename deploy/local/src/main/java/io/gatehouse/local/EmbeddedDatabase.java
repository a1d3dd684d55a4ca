package io.gatehouse.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL server run from jars, for the local platform and the system tests. With a data directory its
 * data survives restarts; without one it starts empty.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
        }
        if (port > 0) {
            builder.setPort(port);
        }
        return new EmbeddedDatabase(builder.start());
    }

    public int port() {
        return postgres.getPort();
    }

    /** The environment the control plane needs to use this database. */
    public java.util.Map<String, String> controlPlaneEnvironment() {
        return java.util.Map.of(
                "GATEHOUSE_DB_HOST", "127.0.0.1",
                "GATEHOUSE_DB_PORT", String.valueOf(port()),
                "GATEHOUSE_DB_NAME", "postgres",
                "GATEHOUSE_DB_USER", "postgres",
                "GATEHOUSE_DB_PASSWORD", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
