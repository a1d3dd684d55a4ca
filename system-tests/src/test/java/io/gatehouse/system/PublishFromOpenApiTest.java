package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static io.gatehouse.system.Http.json;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/** An owner publishes an API from its OpenAPI document; a real gateway node routes what it documents and nothing else. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishFromOpenApiTest {
    @TempDir
    static Path dir;
    Platform platform;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
    }

    static final String DOCUMENT = """
            openapi: 3.0.3
            info:
              title: Inventory
              version: '1.0'
            paths:
              /items:
                get:
                  responses:
                    '200': {description: the items}
                post:
                  responses:
                    '201': {description: added}
              /items/{sku}:
                get:
                  parameters:
                    - {name: sku, in: path, required: true, schema: {type: string}}
                  responses:
                    '200': {description: one item}
            """;

    @Test
    void anOwnerPublishesFromTheDocumentAndOnlyDocumentedOperationsPassTheGateway() {
        GatewayNode gateway = platform.startGateway("node-openapi");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/inventory-" + suffix;

        AdminClient.Reply invalid = platform.admin.post("/admin/apis/import", Map.of("document",
                DOCUMENT.replace("      responses:\n        '200': {description: one item}\n", ""),
                "basePath", basePath, "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory"))));
        assertThat(invalid.status()).as(invalid.body().toString()).isEqualTo(400);
        assertThat(invalid.body().path("code").asText()).isEqualTo("invalid_document");
        assertThat(invalid.body().path("details").path(0).path("field").asText()).isEqualTo("/paths/~1items~1{sku}/get/responses");
        assertThat(platform.admin.get("/admin/apis?limit=1000").body().path("items").findValuesAsText("basePath")).doesNotContain(basePath);

        Instant sent = Instant.now();
        AdminClient.Reply published = platform.admin.post("/admin/apis/import", Map.of(
                "document", DOCUMENT.replace("title: Inventory", "title: Inventory " + suffix),
                "basePath", basePath,
                "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")),
                "plans", List.of(Map.of("name", "stock-" + suffix, "ratePerSecond", 100, "monthlyQuota", 100_000))));
        assertThat(published.status()).as(published.body().toString()).isEqualTo(201);
        String apiId = published.body().path("api").path("id").asText();
        String planId = published.body().path("plans").path(0).path("id").asText();
        String consumerId = platform.admin.create("/admin/consumers", Map.of("username", "shop-" + suffix)).path("id").asText();
        String appId = platform.admin.create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "till")).path("id").asText();
        platform.admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        String key = platform.admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();

        Duration routed = await(Duration.ofSeconds(10), "the documented operation to reach the upstream",
                () -> status(gateway, basePath + "/items/A-1", key) == 200);
        System.out.printf("documented operation served %d ms after the key was issued, %d ms after the import was sent%n",
                routed.toMillis(), Duration.between(sent, Instant.now()).toMillis());
        Http.Response item = call(gateway, "GET", basePath + "/items/A-1", null, "X-API-Key", key);
        assertThat(json(item).path("path").asText()).isEqualTo("/inventory/items/A-1");

        Http.Response undocumented = call(gateway, "GET", basePath + "/admin/secrets", null, "X-API-Key", key);
        assertThat(undocumented.statusCode()).isEqualTo(404);
        assertThat(json(undocumented).path("code").asText()).isEqualTo("no_route");
        Http.Response wrongMethod = call(gateway, "DELETE", basePath + "/items/A-1", null, "X-API-Key", key);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(json(wrongMethod).path("code").asText()).isEqualTo("method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, HEAD");

        // The owner switches the API to pass-through: every path goes upstream again.
        AdminClient.Reply passThrough = platform.admin.put("/admin/apis/" + apiId, Map.of("name", "Inventory " + suffix,
                "version", "1.0", "basePath", basePath, "status", "PUBLISHED", "passThrough", true,
                "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory"))));
        assertThat(passThrough.status()).as(passThrough.body().toString()).isEqualTo(200);
        await(Duration.ofSeconds(10), "the undocumented path to pass through", () -> status(gateway, basePath + "/admin/secrets", key) == 200);

        List<String> actions = platform.admin.get("/admin/apis/" + apiId + "/changes").body().findValuesAsText("action");
        assertThat(actions).contains("create", "update");
    }
}
