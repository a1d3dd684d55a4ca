package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An API program with 200,000 keys, a control plane on a 256 MB heap, and two gateway nodes: a key issued, and one
 * revoked, through the admin API are enforced on both nodes within about a second. Before the config log, a change
 * cost as much as the whole configuration, and at this size the control plane ran out of memory and stopped
 * publishing. The time of each step is logged; the bound is asserted loosely.
 */
class ScaleTest {
    static final int SEEDED_KEYS = 200_000;

    @TempDir
    Path dir;

    @Test
    void aKeyIssuedAndOneRevokedReachTwoNodesWithinASecondAmongTwoHundredThousandKeys() throws Exception {
        try (Platform platform = new Platform(dir, Map.of("GATEHOUSE_CONTROL_PLANE_HEAP", "256m"))) {
            Platform.Tenant tenant = platform.newTenant("scale", Map.of("ratePerSecond", 20_000, "burst", 1_000,
                    "monthlyQuota", 10_000_000, "quotaMode", "HARD"));
            long seeding = System.nanoTime();
            try (Connection sql = DriverManager.getConnection(platform.database.jdbcUrl(), "postgres", Platform.DATABASE_PASSWORD);
                 PreparedStatement seed = sql.prepareStatement("insert into api_keys (id, application_id, key_hash, prefix, created_at) "
                         + "select gen_random_uuid(), ?, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), "
                         + "'ghk_seed00', now() from generate_series(1, ?)")) {
                seed.setObject(1, UUID.fromString(tenant.applicationId()));
                seed.setInt(2, SEEDED_KEYS);
                seed.executeUpdate();
            }
            Duration published = Http.await(Duration.ofSeconds(120), "the seeded keys published",
                    () -> platform.admin.get("/admin/config").body().path("keys").asLong() >= SEEDED_KEYS + 1);
            System.out.printf("scale: %d keys seeded and published in %d ms%n", SEEDED_KEYS,
                    Duration.ofNanos(System.nanoTime() - seeding).toMillis());

            GatewayNode first = platform.startGateway("scale-a");
            GatewayNode second = platform.startGateway("scale-b");
            List<GatewayNode> nodes = List.of(first, second);
            Duration snapshots = Http.await(Duration.ofSeconds(120), "both nodes to hold every key", () -> {
                JsonNode listed = platform.admin.get("/admin/nodes?limit=100").body().path("items");
                int inSync = 0;
                for (JsonNode node : listed) {
                    if (node.path("inSync").asBoolean() && node.path("nodeId").asText().startsWith("scale-")) {
                        inSync++;
                    }
                }
                return inSync == 2;
            });
            System.out.printf("scale: two nodes received the full snapshot in %d ms (after %d ms of publishing)%n",
                    snapshots.toMillis(), published.toMillis());
            for (GatewayNode node : nodes) {
                // A node's first request waits for its share of the rate: poll, rather than expect the first answer.
                awaitStatus(node, tenant.basePath() + "/items", tenant.key(), 200, System.nanoTime());
            }

            long issuedAt = System.nanoTime();
            JsonNode issued = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of());
            String key = issued.path("key").asText();
            for (GatewayNode node : nodes) {
                Duration took = awaitStatus(node, tenant.basePath() + "/items", key, 200, issuedAt);
                System.out.printf("scale: issued key enforced on %s %d ms after the admin call%n", node.settings().nodeId(), took.toMillis());
                assertThat(took).as("issued key on " + node.settings().nodeId()).isLessThan(Duration.ofSeconds(2));
            }

            long revokedAt = System.nanoTime();
            platform.admin.post("/admin/keys/" + issued.path("id").asText() + "/revoke", Map.of());
            for (GatewayNode node : nodes) {
                Duration took = awaitStatus(node, tenant.basePath() + "/items", key, 401, revokedAt);
                System.out.printf("scale: revoked key refused on %s %d ms after the admin call%n", node.settings().nodeId(), took.toMillis());
                assertThat(took).as("revoked key on " + node.settings().nodeId()).isLessThan(Duration.ofSeconds(2));
            }
            // The old key, among the 200,000, still works: a change touched only what changed.
            for (GatewayNode node : nodes) {
                assertThat(Http.status(node, tenant.basePath() + "/items", tenant.key())).isEqualTo(200);
            }
        }
    }

    /** Polls until the node answers {@code status} to the key; the time since {@code since}. */
    private static Duration awaitStatus(GatewayNode node, String path, String key, int status, long since) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            int answered = Http.status(node, path, key);
            if (answered == status) {
                return Duration.ofNanos(System.nanoTime() - since);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node.settings().nodeId() + " still answers " + answered + " instead of " + status + " after 10 s");
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }
}
