package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two control plane instances on one database, as two replicas behind a load balancer, and three gateway nodes
 * split over them: two dial instance A first, one dials B first, each with the other instance as its fallback.
 * A change made through either instance reaches every node, rate shares and canary figures are one across the
 * instances, and stopping instance A moves its nodes to B while clients keep being served. Times are logged; bounds
 * are asserted loosely.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultipleControlPlanesTest {
    @TempDir
    static Path dir;
    Platform platform;
    String first;
    String second;
    AdminClient adminOfSecond;
    GatewayNode onFirst;
    GatewayNode onSecond;
    GatewayNode alsoOnFirst;
    List<GatewayNode> nodes;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
        int secondPort = Platform.freePort();
        platform.startAnotherControlPlane(secondPort);
        first = platform.controlPlaneUrl();
        second = "http://127.0.0.1:" + secondPort;
        adminOfSecond = new AdminClient(second, Platform.ADMIN_TOKEN);
        onFirst = platform.startGateway("replica-a", platform.credential("replica-a"), "replica-a", first + "," + second);
        onSecond = platform.startGateway("replica-b", platform.credential("replica-b"), "replica-b", second + "," + first);
        alsoOnFirst = platform.startGateway("replica-c", platform.credential("replica-c"), "replica-c", first + "," + second);
        nodes = List.of(onFirst, onSecond, alsoOnFirst);
        await(Duration.ofSeconds(20), "nodes replica-a and replica-c on instance A, replica-b on instance B",
                () -> connected(platform.admin).containsAll(List.of("replica-a", "replica-c")) && connected(adminOfSecond).contains("replica-b"));
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
    }

    /** The ids of the nodes connected to the instance behind this admin client. */
    static List<String> connected(AdminClient admin) {
        JsonNode items = admin.get("/admin/nodes").body().path("items");
        List<String> ids = new java.util.ArrayList<>();
        items.forEach(node -> {
            if (node.path("connected").asBoolean()) {
                ids.add(node.path("nodeId").asText());
            }
        });
        return ids;
    }

    Platform.Tenant tenant(String label, Map<String, Object> plan) {
        Platform.Tenant tenant = platform.newTenant(label, plan);
        String keyHash = io.gatehouse.protocol.keys.ApiKeys.hash(tenant.key());
        for (GatewayNode node : nodes) {
            await(Duration.ofSeconds(10), "every node to know the new API and key",
                    () -> node.config().current() != null && node.config().current().routes().byApiId(tenant.apiId()) != null
                            && node.config().current().keys().lookup(keyHash) != null);
        }
        return tenant;
    }

    @Test
    @Order(1)
    void aChangeThroughOneInstanceReachesNodesConnectedToTheOther() {
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

        // Both instances list the same head.
        JsonNode configA = platform.admin.get("/admin/config").body();
        JsonNode configB = adminOfSecond.get("/admin/config").body();
        assertThat(configB.path("version").asLong()).isEqualTo(configA.path("version").asLong());
        assertThat(configB.path("hash").asText()).isEqualTo(configA.path("hash").asText());
    }

    @Test
    @Order(2)
    void aRateLimitHoldsAcrossThreeNodesSplitOverTwoInstances() {
        long rate = 40;
        long burst = 10;
        Platform.Tenant tenant = tenant("split-rate", Map.of("ratePerSecond", rate, "burst", burst,
                "monthlyQuota", 1_000_000, "quotaMode", "HARD"));
        String path = tenant.basePath() + "/orders";

        // Every node must admit its share: none starved by shares held through the other instance.
        new Load().posting("{\"item\":\"sku-42\",\"quantity\":3}")
                .runAgainstRate(nodes, "through 3 nodes on 2 control plane instances", path, tenant.key(), rate, burst, platform.upstream::requests);
    }

    @Test
    @Order(3)
    void canaryFiguresFromNodesOnBothInstancesAreSummed() {
        Platform.Tenant tenant = tenant("split-canary", Map.of("ratePerSecond", 10_000, "burst", 1_000,
                "monthlyQuota", 1_000_000, "quotaMode", "HARD"));
        String path = tenant.basePath() + "/stock";
        String api = "/admin/apis/" + tenant.apiId();
        assertThat(platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")),
                "percent", 0, "header", "X-Beta", "headerValue", "true")).status()).isEqualTo(200);
        for (GatewayNode node : List.of(onFirst, onSecond)) {
            await(Duration.ofSeconds(10), "the canary rule on " + node.settings().nodeId(), () -> "canary".equals(call(node, "GET", path, null,
                    "X-API-Key", tenant.key(), "X-Beta", "true").headers().firstValue("X-Gatehouse-Variant").orElse(null)));
        }
        // 30 stable and 10 canary requests through a node of each instance; each node also answered one canary probe
        // above once it had the rule (the probes before it were served without a canary and are not counted).
        for (GatewayNode node : List.of(onFirst, onSecond)) {
            for (int i = 0; i < 40; i++) {
                String[] headers = i % 4 == 0 ? new String[] {"X-API-Key", tenant.key(), "X-Beta", "true"} : new String[] {"X-API-Key", tenant.key()};
                Http.Response response = call(node, "POST", path, "{\"sku\":" + i + "}", headers);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Gatehouse-Variant")).contains(i % 4 == 0 ? "canary" : "stable");
            }
        }
        long stableExpected = 2 * 30;
        long canaryExpected = 2 * 10 + 2;
        Duration took = await(Duration.ofSeconds(15), "both instances to show every node's canary and stable requests", () -> {
            JsonNode a = platform.admin.get(api + "/canary").body().path("variants");
            JsonNode b = adminOfSecond.get(api + "/canary").body().path("variants");
            return a.path("stable").path("requests").asLong() == stableExpected
                    && a.path("canary").path("requests").asLong() == canaryExpected
                    && b.path("stable").equals(a.path("stable")) && b.path("canary").equals(a.path("canary"));
        });
        JsonNode status = adminOfSecond.get(api + "/canary").body();
        System.out.printf("canary figures summed over two instances after %d ms: %s%n", took.toMillis(), status);
        assertThat(status.path("variants").path("stable").path("errors").asLong()).isZero();
        assertThat(status.path("variants").path("canary").path("p99Ms").isNumber()).isTrue();
    }

    @Test
    @Order(4)
    void stoppingAnInstanceMovesItsNodesToTheOtherWithoutAFailedRequest() throws Exception {
        Platform.Tenant tenant = tenant("failover", Map.of("ratePerSecond", 100_000, "burst", 10_000,
                "monthlyQuota", 10_000_000, "quotaMode", "HARD", "failureMode", "CLOSED"));
        String path = tenant.basePath() + "/orders";
        Load load = new Load().posting("{\"item\":\"sku-7\",\"quantity\":1}");
        AtomicBoolean enough = new AtomicBoolean();
        Thread traffic = new Thread(() -> load.run(nodes, 2, path, tenant.key(), 10_000_000, Duration.ofSeconds(30), enough::get));
        traffic.start();
        try {
            await(Duration.ofSeconds(10), "traffic to flow through every node", () -> load.ok() > 300);
            long stopping = System.nanoTime();
            platform.stopControlPlane();
            Duration moved = await(Duration.ofSeconds(15), "instance B to hold all three nodes",
                    () -> connected(adminOfSecond).containsAll(List.of("replica-a", "replica-b", "replica-c")));
            System.out.printf("failover: instance A stopped; its nodes connected to B %d ms after the stop began%n",
                    Duration.ofNanos(System.nanoTime() - stopping).toMillis());
            // Keep the load on for a while on B alone: leases now come from B.
            long before = load.ok();
            await(Duration.ofSeconds(10), "traffic to go on through instance B", () -> load.ok() > before + 500);
            assertThat(moved).isPositive();
        } finally {
            enough.set(true);
            traffic.join();
        }
        System.out.println("failover under load: " + load);
        assertThat(load.ok()).as("no client request failed: " + load).isEqualTo(load.sent.sum());
        assertThat(status(onFirst, path, tenant.key())).isEqualTo(200);
    }
}
