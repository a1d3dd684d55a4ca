package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two control plane instances on one database, as two replicas behind a load balancer: a change made through
 * either reaches the nodes connected to the other within about a second, through the config log in the database
 * (no other infrastructure). The time is logged; the bound is asserted loosely.
 */
class MultipleControlPlanesTest {
    @TempDir
    Path dir;

    @Test
    void aChangeThroughOneInstanceReachesNodesConnectedToTheOther() throws Exception {
        try (Platform platform = new Platform(dir)) {
            int secondPort = Platform.freePort();
            platform.startAnotherControlPlane(secondPort);
            String second = "http://127.0.0.1:" + secondPort;
            AdminClient adminOfSecond = new AdminClient(second, Platform.ADMIN_TOKEN);

            GatewayNode onFirst = platform.startGateway("replica-a");
            GatewayNode onSecond = platform.startGateway("replica-b", platform.credential("replica-b"), "replica-b", second);

            // Made through the first instance: an API, a plan with limits, a subscription and a key.
            Platform.Tenant tenant = platform.newTenant("replicas", Map.of("ratePerSecond", 200, "burst", 50,
                    "monthlyQuota", 100_000, "quotaMode", "HARD"));
            String path = tenant.basePath() + "/items";
            Duration reached = await(Duration.ofSeconds(10), "the node on the second instance to serve the new key",
                    () -> status(onSecond, path, tenant.key()) == 200);
            await(Duration.ofSeconds(10), "the node on the first instance to serve it", () -> status(onFirst, path, tenant.key()) == 200);
            System.out.printf("replicas: a tenant created through instance A served by a node of instance B after %d ms%n", reached.toMillis());

            // Revoked through the first instance, refused by the node of the second.
            long revoking = System.nanoTime();
            assertThat(platform.admin.post("/admin/keys/" + tenant.keyId() + "/revoke", Map.of()).status()).isEqualTo(200);
            await(Duration.ofSeconds(10), "the node on the second instance to refuse the revoked key",
                    () -> status(onSecond, path, tenant.key()) == 401);
            Duration refused = Duration.ofNanos(System.nanoTime() - revoking);
            System.out.printf("replicas: key revoked through instance A refused by a node of instance B %d ms after the call%n", refused.toMillis());
            assertThat(refused).isLessThan(Duration.ofSeconds(2));

            // Issued through the second instance, served by the node of the first.
            long issuing = System.nanoTime();
            JsonNode issued = adminOfSecond.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of());
            String key = issued.path("key").asText();
            await(Duration.ofSeconds(10), "the node on the first instance to serve a key issued through the second",
                    () -> status(onFirst, path, key) == 200);
            Duration served = Duration.ofNanos(System.nanoTime() - issuing);
            System.out.printf("replicas: key issued through instance B served by a node of instance A %d ms after the call%n", served.toMillis());
            assertThat(served).isLessThan(Duration.ofSeconds(2));

            // Both instances list the same head, and each its own node in sync with it.
            JsonNode configA = platform.admin.get("/admin/config").body();
            JsonNode configB = adminOfSecond.get("/admin/config").body();
            assertThat(configB.path("version").asLong()).isEqualTo(configA.path("version").asLong());
            assertThat(configB.path("hash").asText()).isEqualTo(configA.path("hash").asText());
        }
    }
}
