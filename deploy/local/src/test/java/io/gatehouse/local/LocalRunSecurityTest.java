package io.gatehouse.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What `./run.sh` leaves on disk and listens on is for its owner only. */
class LocalRunSecurityTest {
    @TempDir
    Path dir;

    @Test
    void theHomeIsForItsOwnerOnlyAndSoIsEverySecretInIt() throws Exception {
        LocalHome home = LocalHome.open(dir.resolve(".gatehouse"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.dir()))).isEqualTo("rwx------");

        String token = home.secret("admin-token");
        assertThat(token).hasSize(48);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("admin-token")))).isEqualTo("rw-------");
        assertThat(home.secret("admin-token")).as("kept from one run to the next").isEqualTo(token);
        home.write("node-token", "ghn_example");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("node-token")))).isEqualTo("rw-------");
        assertThat(Files.readString(home.resolve("node-token"))).isEqualTo("ghn_example");
    }

    @Test
    void aHomeLeftReadableByAnEarlierVersionIsTightened() throws Exception {
        Path old = Files.createDirectories(dir.resolve("old"));
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path token = Files.writeString(old.resolve("admin-token"), "abc\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));

        LocalHome home = LocalHome.open(old);
        assertThat(home.secret("admin-token")).isEqualTo("abc");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
    }

    @Test
    void theEmbeddedDatabaseAcceptsOnlyItsGeneratedPassword() throws Exception {
        Path data = dir.resolve("postgres");
        String password = LocalHome.open(dir.resolve("home")).secret("db-password");
        try (EmbeddedDatabase database = EmbeddedDatabase.start(data, 0, password)) {
            assertRequiresPassword(database, password);
        }
        // The second start of the same data directory is locked down before the server starts.
        try (EmbeddedDatabase database = EmbeddedDatabase.start(data, 0, password)) {
            assertRequiresPassword(database, password);
        }
    }

    private static void assertRequiresPassword(EmbeddedDatabase database, String password) throws SQLException {
        assertThat(database.controlPlaneEnvironment()).containsEntry("GATEHOUSE_DB_PASSWORD", password);
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), credentials(password));
             ResultSet rows = connection.createStatement().executeQuery("select 1")) {
            assertThat(rows.next()).isTrue();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(database.jdbcUrl(), credentials(null)).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password");
        assertThatThrownBy(() -> DriverManager.getConnection(database.jdbcUrl(), credentials("postgres")).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        Properties otherUser = credentials(null);
        otherUser.setProperty("user", "intruder");
        assertThatThrownBy(() -> DriverManager.getConnection(database.jdbcUrl(), otherUser).close())
                .isInstanceOf(SQLException.class);
    }

    private static Properties credentials(String password) {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        return properties;
    }
}
