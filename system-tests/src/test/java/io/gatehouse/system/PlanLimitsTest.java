package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static io.gatehouse.system.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Plans that hold: rate limits and quotas enforced by three real gateway nodes sharing one control plane. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlanLimitsTest {
    @TempDir
    static Path dir;
    Platform platform;
    List<GatewayNode> nodes;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
        nodes = List.of(platform.startGateway("limits-a"), platform.startGateway("limits-b"), platform.startGateway("limits-c"));
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
    }

    Platform.Tenant tenant(String label, Map<String, Object> plan) {
        Platform.Tenant tenant = platform.newTenant(label, plan);
        for (GatewayNode node : nodes) {
            String keyHash = io.gatehouse.protocol.keys.ApiKeys.hash(tenant.key());
            await(Duration.ofSeconds(10), "every node to know the new API and key",
                    () -> node.config().current() != null && node.config().current().routes().byApiId(tenant.apiId()) != null
                            && node.config().current().keys().lookup(keyHash) != null);
        }
        return tenant;
    }

    @Test
    void aHardQuotaHitThroughThreeNodesAdmitsExactlyTheQuota() {
        long quota = 300;
        Platform.Tenant tenant = tenant("quota", Map.of("monthlyQuota", quota, "quotaMode", "HARD"));
        String path = tenant.basePath() + "/q";
        Http.Response first = call(nodes.get(0), "GET", path, null, "X-API-Key", tenant.key());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Quota-Limit")).contains(String.valueOf(quota));
        assertThat(Long.parseLong(first.headers().firstValue("X-Quota-Remaining").orElseThrow())).isBetween(0L, quota - 1);
        assertThat(Long.parseLong(first.headers().firstValue("X-Quota-Reset").orElseThrow())).isPositive();

        Load load = new Load().run(nodes, 3, path, tenant.key(), 3 * quota, Duration.ofSeconds(60), () -> false);
        System.out.println("hard quota " + quota + " through 3 nodes: " + load);
        long admitted = load.ok();
        // What no client asked for yet may still sit on a node: ask each node until it refuses 25 times in a row.
        long more = 0;
        for (GatewayNode node : nodes) {
            int inARow = 0;
            while (inARow < 25) {
                Http.Response response = call(node, "GET", path, null, "X-API-Key", tenant.key());
                if (response.statusCode() == 200) {
                    more++;
                    inARow = 0;
                } else {
                    assertThat(response.statusCode()).isEqualTo(429);
                    assertThat(json(response).path("code").asText()).isEqualTo("quota_exceeded");
                    assertThat(response.headers().firstValue("X-Quota-Limit")).contains(String.valueOf(quota));
                    assertThat(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow())).isPositive();
                    inARow++;
                }
            }
        }
        System.out.printf("admitted: 1 first, %d under load, %d afterwards, total %d of quota %d%n", admitted, more, 1 + admitted + more, quota);
        assertThat(1 + admitted + more).isEqualTo(quota);
        assertThat(load.count("429 quota_exceeded")).isPositive();

        String subscription = subscriptionOf(tenant);
        try {
            await(Duration.ofSeconds(10), "the control plane to have counted every admitted request",
                    () -> platform.admin.get("/admin/subscriptions/" + subscription + "/quota").body().path("used").asLong() == quota);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; quota status: " + platform.admin.get("/admin/subscriptions/" + subscription + "/quota"), e);
        }
    }

    @Test
    void aRateLimitHoldsAcrossThreeNodesAndIsUsable() {
        long rate = 40;
        long burst = 10;
        Platform.Tenant tenant = tenant("rate", Map.of("ratePerSecond", rate, "burst", burst));
        String path = tenant.basePath() + "/r";

        new Load().runAgainstRate(nodes, "through 3 nodes", path, tenant.key(), rate, burst, platform.upstream::requests);

        Http.Response refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
            Http.Response response = call(nodes.get(0), "GET", path, null, "X-API-Key", tenant.key());
            if (response.statusCode() == 429) {
                refused = response;
            } else {
                assertThat(response.headers().firstValue("RateLimit-Limit")).contains(String.valueOf(rate));
                assertThat(response.headers().firstValue("RateLimit-Remaining")).isPresent();
            }
        }
        assertThat(refused).as("a 429 under a burst of requests").isNotNull();
        assertThat(json(refused).path("code").asText()).isEqualTo("rate_limited");
        assertThat(refused.headers().firstValue("RateLimit-Remaining")).contains("0");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void aSoftQuotaLetsRequestsThroughAndRecordsTheExcessExactly() {
        long quota = 100;
        Platform.Tenant tenant = tenant("soft", Map.of("monthlyQuota", quota, "quotaMode", "SOFT"));
        Load load = new Load().run(nodes, 2, tenant.basePath() + "/s", tenant.key(), 160, Duration.ofSeconds(60), () -> false);
        System.out.println("soft quota " + quota + ": " + load);
        assertThat(load.ok()).isEqualTo(160);

        String subscription = subscriptionOf(tenant);
        await(Duration.ofSeconds(10), "all usage to be recorded",
                () -> platform.admin.get("/admin/subscriptions/" + subscription + "/quota").body().path("used").asLong() == 160);
        JsonNode status = platform.admin.get("/admin/subscriptions/" + subscription + "/quota").body();
        assertThat(status.path("overage").asLong()).isEqualTo(60);
        assertThat(status.path("quotaMode").asText()).isEqualTo("SOFT");
    }

    @Test
    void aPlanChangeTakesEffectOnEveryNodeWithinASecondAndTheUsageCarriesOver() {
        Platform.Tenant tenant = tenant("upgrade", Map.of("monthlyQuota", 50, "quotaMode", "HARD"));
        String path = tenant.basePath() + "/u";
        Load first = new Load().run(nodes, 2, path, tenant.key(), 120, Duration.ofSeconds(30), () -> false);
        long firstAdmitted = first.ok() + drainRemaining(path, tenant);
        assertThat(firstAdmitted).isEqualTo(50);

        String bigger = platform.admin.create("/admin/plans", Map.of("name", "bigger-" + tenant.apiId().substring(0, 8),
                "monthlyQuota", 80, "quotaMode", "HARD")).path("id").asText();
        long changed = System.nanoTime();
        assertThat(platform.admin.put("/admin/subscriptions/" + subscriptionOf(tenant) + "/plan", Map.of("planId", bigger)).status()).isEqualTo(200);
        for (GatewayNode node : nodes) {
            Duration took = await(Duration.ofSeconds(5), "node " + node.settings().nodeId() + " to apply the new plan",
                    () -> Http.status(node, path, tenant.key()) == 200);
            System.out.printf("node %s admitted again %d ms after the plan change%n", node.settings().nodeId(),
                    (System.nanoTime() - changed) / 1_000_000);
        }
        // Three requests went through above; the rest of the larger quota is what remains after the first 50.
        long rest = 3 + new Load().run(nodes, 2, path, tenant.key(), 100, Duration.ofSeconds(30), () -> false).ok() + drainRemaining(path, tenant);
        assertThat(50 + rest).as("the period's usage carried over to the new plan").isEqualTo(80);
    }

    @Test
    void withoutItsControlPlaneANodeSpendsWhatItHoldsThenFollowsThePlansFailureMode() {
        Platform.Tenant closed = tenant("closed", Map.of("monthlyQuota", 100_000, "failureMode", "CLOSED"));
        Platform.Tenant open = tenant("open", Map.of("monthlyQuota", 100_000, "failureMode", "OPEN"));
        GatewayNode node = nodes.get(0);
        assertThat(Http.status(node, closed.basePath(), closed.key())).isEqualTo(200);
        assertThat(Http.status(node, open.basePath(), open.key())).isEqualTo(200);

        platform.stopControlPlane();
        try {
            await(Duration.ofSeconds(5), "the node to notice", () -> !json(Http.nodeStatus(node, "/status")).path("controlPlane").path("connected").asBoolean());
            int held = 0;
            Http.Response response = call(node, "GET", closed.basePath(), null, "X-API-Key", closed.key());
            while (response.statusCode() == 200 && held < 5_000) {
                held++;
                response = call(node, "GET", closed.basePath(), null, "X-API-Key", closed.key());
            }
            System.out.printf("CLOSED plan: %d requests served from held units, then %d%n", held, response.statusCode());
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(json(response).path("code").asText()).isEqualTo("limits_unavailable");

            for (int i = 0; i < held + 50; i++) {
                assertThat(Http.status(node, open.basePath(), open.key())).as("an OPEN plan keeps serving").isEqualTo(200);
            }
        } finally {
            platform.startControlPlane();
        }
        await(Duration.ofSeconds(10), "the CLOSED plan to be served again once the control plane is back",
                () -> Http.status(node, closed.basePath(), closed.key()) == 200);
    }

    @Test
    void aControlPlaneRestartMidRunLosesNoUsageAndCountsNoneTwice() throws Exception {
        Platform.Tenant tenant = tenant("usage", Map.of());
        String path = tenant.basePath() + "/n";
        Load load = new Load();
        Thread traffic = new Thread(() -> load.run(nodes, 2, path, tenant.key(), 50_000, Duration.ofSeconds(8), () -> false));
        traffic.start();
        await(Duration.ofSeconds(5), "traffic to flow", () -> load.ok() > 200);
        platform.stopControlPlane();
        long duringOutage = load.ok();
        platform.startControlPlane();
        traffic.join();
        System.out.printf("usage across a control plane restart: %s (%d admitted before the restart began)%n", load, duringOutage);
        assertThat(load.count("200")).isEqualTo(load.sent.sum());

        await(Duration.ofSeconds(20), "every admitted request to be recorded once",
                () -> platform.admin.get("/admin/consumers/" + tenant.consumerId() + "/usage").body().path("admitted").asLong() >= load.ok());
        JsonNode usage = platform.admin.get("/admin/consumers/" + tenant.consumerId() + "/usage").body();
        assertThat(usage.path("admitted").asLong()).isEqualTo(load.ok());
        assertThat(usage.path("rows").get(0).path("apiId").asText()).isEqualTo(tenant.apiId());
    }

    private long drainRemaining(String path, Platform.Tenant tenant) {
        long more = 0;
        for (GatewayNode node : nodes) {
            int inARow = 0;
            while (inARow < 25) {
                if (Http.status(node, path, tenant.key()) == 200) {
                    more++;
                    inARow = 0;
                } else {
                    inARow++;
                }
            }
        }
        return more;
    }

    private String subscriptionOf(Platform.Tenant tenant) {
        return platform.admin.get("/admin/subscriptions?applicationId=" + tenant.applicationId()).body().path("items").path(0).path("id").asText();
    }
}
