package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.DemoUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static org.assertj.core.api.Assertions.assertThat;

/** An owner runs a canary release and a shadow through the admin API; a real gateway follows within a second. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanaryManagementTest {
    @TempDir
    static Path dir;
    Platform platform;
    DemoUpstream v2;
    DemoUpstream shadow;
    GatewayNode gateway;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
        v2 = DemoUpstream.start(0, "inventory-v2");
        shadow = DemoUpstream.start(0, "inventory-shadow");
        gateway = platform.startGateway("canary-node");
    }

    @AfterAll
    void stop() throws Exception {
        v2.close();
        shadow.close();
        platform.close();
    }

    String servedBy(String path, String key, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "X-API-Key";
        all[1] = key;
        System.arraycopy(headers, 0, all, 2, headers.length);
        Http.Response response = call(gateway, "GET", path, null, all);
        assertThat(response.statusCode()).isEqualTo(200);
        return Http.json(response).path("service").asText();
    }

    @Test
    void anOwnerStepsACanaryUpPromotesItAndRollsAnotherBack() {
        Platform.Tenant tenant = platform.newTenant("release");
        String path = tenant.basePath() + "/stock";
        await(Duration.ofSeconds(10), "the API on the gateway", () -> Http.status(gateway, path, tenant.key()) == 200);
        String api = "/admin/apis/" + tenant.apiId();

        assertThat(platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", v2.url() + "/inventory")),
                "percent", 0, "header", "X-Beta", "headerValue", "true")).status()).isEqualTo(200);
        await(Duration.ofSeconds(5), "the canary rule on the gateway", () -> servedBy(path, tenant.key(), "X-Beta", "true").equals("inventory-v2"));
        for (int i = 0; i < 30; i++) {
            assertThat(servedBy(path, tenant.key())).as("0%: everyone else stays on stable").isEqualTo("inventory");
            assertThat(servedBy(path, tenant.key(), "X-Beta", "true")).isEqualTo("inventory-v2");
        }
        await(Duration.ofSeconds(10), "both variants' traffic to be reported", () -> {
            JsonNode variants = platform.admin.get(api + "/canary").body().path("variants");
            return variants.path("stable").path("requests").asLong() >= 30 && variants.path("canary").path("requests").asLong() >= 30;
        });
        JsonNode status = platform.admin.get(api + "/canary").body();
        System.out.println("canary status: " + status);
        assertThat(status.path("rule").path("percent").asDouble()).isZero();
        assertThat(status.path("variants").path("canary").path("errors").asLong()).isZero();
        assertThat(status.path("variants").path("canary").path("p99Ms").isNumber()).isTrue();

        platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", v2.url() + "/inventory")), "percent", 100));
        await(Duration.ofSeconds(5), "100%: the consumer moved to the canary", () -> servedBy(path, tenant.key()).equals("inventory-v2"));

        JsonNode promoted = platform.admin.post(api + "/canary/promote", Map.of()).body();
        assertThat(promoted.path("canary").isMissingNode() || promoted.path("canary").isNull()).isTrue();
        assertThat(promoted.path("targets").path(0).path("url").asText()).isEqualTo(v2.url() + "/inventory");
        await(Duration.ofSeconds(5), "the promoted targets to serve without a variant header",
                () -> call(gateway, "GET", path, null, "X-API-Key", tenant.key()).headers().firstValue("X-Gatehouse-Variant").isEmpty());
        assertThat(servedBy(path, tenant.key())).isEqualTo("inventory-v2");

        platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")), "percent", 100));
        await(Duration.ofSeconds(5), "a second canary", () -> servedBy(path, tenant.key()).equals("inventory"));
        assertThat(platform.admin.send("DELETE", api + "/canary").status()).isEqualTo(200);
        await(Duration.ofSeconds(5), "the rollback", () -> servedBy(path, tenant.key()).equals("inventory-v2"));
        assertThat(platform.admin.post(api + "/canary/promote", Map.of()).body().path("code").asText()).isEqualTo("no_canary");
    }

    @Test
    void anOwnerMirrorsTrafficToAShadowAndStops() {
        Platform.Tenant tenant = platform.newTenant("mirror");
        String path = tenant.basePath() + "/items";
        await(Duration.ofSeconds(10), "the API on the gateway", () -> Http.status(gateway, path, tenant.key()) == 200);
        String api = "/admin/apis/" + tenant.apiId();

        assertThat(platform.admin.put(api + "/shadow", Map.of("url", shadow.url(), "percent", 100)).status()).isEqualTo(200);
        long before = shadow.requests();
        await(Duration.ofSeconds(5), "requests to be mirrored", () -> {
            Http.status(gateway, path, tenant.key());
            return shadow.requests() > before + 5;
        });
        platform.admin.send("DELETE", api + "/shadow");
        await(Duration.ofSeconds(5), "mirroring to stop", () -> {
            long seen = shadow.requests();
            for (int i = 0; i < 5; i++) {
                Http.status(gateway, path, tenant.key());
            }
            return shadow.requests() == seen;
        });
    }

    @Test
    void badCanaryAndShadowInputIsRefused() {
        Platform.Tenant tenant = platform.newTenant("invalid");
        String api = "/admin/apis/" + tenant.apiId();
        assertThat(platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", v2.url())), "percent", 150)).body()
                .path("code").asText()).isEqualTo("validation_failed");
        assertThat(platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", "gopher://x")), "percent", 5)).body()
                .path("code").asText()).isEqualTo("invalid_upstream_url");
        assertThat(platform.admin.put(api + "/canary", Map.of("targets", List.of(Map.of("url", v2.url())), "percent", 5, "header", "X-Beta"))
                .body().path("code").asText()).isEqualTo("validation_failed");
        assertThat(platform.admin.put(api + "/shadow", Map.of("url", "not a url", "percent", 5)).body().path("code").asText())
                .isEqualTo("invalid_upstream_url");
        assertThat(platform.admin.send("DELETE", api + "/canary").body().path("code").asText()).isEqualTo("no_canary");
    }
}
