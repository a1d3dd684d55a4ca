package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import io.gatehouse.protocol.keys.ApiKeys;
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

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static io.gatehouse.system.Http.json;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platform end to end: what an owner does in the admin API is what a real gateway node enforces, and the node
 * keeps serving through a control plane outage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlatformEndToEndTest {
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

    @Test
    void aKeyIssuedInTheAdminApiCallsTheUpstreamThroughARealGateway() {
        Platform.Tenant tenant = platform.newTenant("inventory");
        GatewayNode gateway = platform.startGateway("node-journey");
        await(Duration.ofSeconds(10), "the gateway to serve the new API", () -> status(gateway, tenant.basePath() + "/items", tenant.key()) == 200);

        Http.Response response = call(gateway, "POST", tenant.basePath() + "/items/7?expand=stock&x=%20y",
                "{\"sku\":\"A-1\"}", "X-API-Key", tenant.key(), "Content-Type", "application/json", "X-Trace", "t-1");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode echo = json(response);
        assertThat(echo.path("method").asText()).isEqualTo("POST");
        assertThat(echo.path("path").asText()).isEqualTo("/inventory/items/7");
        assertThat(echo.path("query").asText()).isEqualTo("expand=stock&x=%20y");
        assertThat(echo.path("body").asText()).isEqualTo("{\"sku\":\"A-1\"}");
        assertThat(echo.path("headers").path("content-type").asText()).isEqualTo("application/json");
        assertThat(echo.path("headers").path("x-trace").asText()).isEqualTo("t-1");
        assertThat(echo.path("headers").path("x-gatehouse-consumer-id").asText()).isEqualTo(tenant.consumerId());
        assertThat(echo.path("headers").path("x-gatehouse-application-id").asText()).isEqualTo(tenant.applicationId());
        assertThat(echo.path("headers").has("x-api-key")).isFalse();
        assertThat(echo.path("headers").path("x-request-id").asText()).isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void theFirstStartMigratesANewDatabaseWithoutAWarning() {
        List<String> output = platform.controlPlaneOutput();
        int migrated = -1;
        for (int i = 0; i < output.size() && migrated < 0; i++) {
            if (output.get(i).contains("[DbMigrate] Successfully applied")) {
                migrated = i;
            }
        }
        assertThat(migrated).as("Flyway's report of the migrations it applied, in: " + output).isNotNegative();
        List<String> migrating = output.subList(0, migrated + 1);
        assertThat(migrating).as("the schema built from empty").anyMatch(line -> line.contains("<< Empty Schema >>"));
        assertThat(migrating).as("what an operator reads while the schema is built")
                .noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR "));
    }

    @Test
    void aRevokedKeyIsRefusedAndANewKeyAcceptedWithinASecond() {
        Platform.Tenant tenant = platform.newTenant("revocation");
        GatewayNode gateway = platform.startGateway("node-revocation");
        String path = tenant.basePath() + "/ping";
        await(Duration.ofSeconds(10), "the key to work", () -> status(gateway, path, tenant.key()) == 200);

        Instant revoked = Instant.now();
        assertThat(platform.admin.post("/admin/keys/" + tenant.keyId() + "/revoke", Map.of()).status()).isEqualTo(200);
        Duration refusedAfter = await(Duration.ofSeconds(5), "the revoked key to be refused", () -> status(gateway, path, tenant.key()) == 401);
        System.out.printf("revocation enforced by the gateway %d ms after the admin call returned (%d ms after it was sent)%n",
                refusedAfter.toMillis(), Duration.between(revoked, Instant.now()).toMillis());
        assertThat(json(call(gateway, "GET", path, null, "X-API-Key", tenant.key())).path("code").asText()).isEqualTo("invalid_api_key");

        String newKey = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of()).path("key").asText();
        Duration acceptedAfter = await(Duration.ofSeconds(5), "the new key to be accepted", () -> status(gateway, path, newKey) == 200);
        System.out.printf("new key accepted by the gateway %d ms after it was issued%n", acceptedAfter.toMillis());
    }

    @Test
    void theGatewayAnswersEveryRefusalWithItsCode() {
        Platform.Tenant tenant = platform.newTenant("refusals");
        Platform.Tenant other = platform.newTenant("other");
        GatewayNode gateway = platform.startGateway("node-refusals");
        await(Duration.ofSeconds(10), "config to arrive", () -> status(gateway, tenant.basePath(), tenant.key()) == 200);
        // The other tenant's key must be known to the node before it can be refused as not subscribed (not unknown).
        await(Duration.ofSeconds(10), "the other tenant's key to arrive", () -> status(gateway, other.basePath(), other.key()) == 200);

        assertCode(call(gateway, "GET", tenant.basePath(), null), 401, "missing_api_key");
        assertCode(call(gateway, "GET", tenant.basePath(), null, "X-API-Key", ApiKeys.generate()), 401, "invalid_api_key");
        assertCode(call(gateway, "GET", tenant.basePath(), null, "X-API-Key", other.key()), 403, "not_subscribed");
        assertCode(call(gateway, "GET", "/not-published", null, "X-API-Key", tenant.key()), 404, "no_route");

        String expiring = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys",
                Map.of("expiresAt", Instant.now().plusSeconds(2).toString())).path("key").asText();
        await(Duration.ofSeconds(5), "the expiring key to work", () -> status(gateway, tenant.basePath(), expiring) == 200);
        await(Duration.ofSeconds(10), "the key to expire", () -> status(gateway, tenant.basePath(), expiring) == 401);
        assertCode(call(gateway, "GET", tenant.basePath(), null, "X-API-Key", expiring), 401, "expired_api_key");

        // Cancelling the subscription takes the API away from the key.
        String subscriptionId = platform.admin.get("/admin/subscriptions?applicationId=" + tenant.applicationId()).body().path("items").path(0).path("id").asText();
        platform.admin.send("DELETE", "/admin/subscriptions/" + subscriptionId);
        await(Duration.ofSeconds(5), "the cancelled subscription to be enforced", () -> status(gateway, tenant.basePath(), tenant.key()) == 403);
    }

    @Test
    void anApiOwnerLetsEncodedSlashesThroughForOneApiOnly() {
        Platform.Tenant tenant = platform.newTenant("files");
        GatewayNode gateway = platform.startGateway("node-encoded-slashes");
        await(Duration.ofSeconds(10), "the API to be served", () -> status(gateway, tenant.basePath() + "/x", tenant.key()) == 200);
        String encoded = tenant.basePath() + "/files/a%2Fb.txt";
        assertCode(call(gateway, "GET", encoded, null, "X-API-Key", tenant.key()), 400, "bad_request");

        JsonNode api = platform.admin.get("/admin/apis/" + tenant.apiId()).body();
        Map<String, Object> update = new java.util.HashMap<>();
        update.put("name", api.path("name").asText());
        update.put("version", api.path("version").asText());
        update.put("basePath", api.path("basePath").asText());
        update.put("status", "PUBLISHED");
        update.put("targets", List.of(Map.of("url", api.path("targets").path(0).path("url").asText())));
        update.put("allowEncodedSlashes", true);
        AdminClient.Reply reply = platform.admin.put("/admin/apis/" + tenant.apiId(), update);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().path("allowEncodedSlashes").asBoolean()).isTrue();

        await(Duration.ofSeconds(10), "the encoded slash to be let through", () -> status(gateway, encoded, tenant.key()) == 200);
        JsonNode echo = json(call(gateway, "GET", encoded, null, "X-API-Key", tenant.key()));
        assertThat(echo.path("path").asText()).isEqualTo("/inventory/files/a%2Fb.txt");
        // Dot segments stay refused whatever the setting.
        assertCode(call(gateway, "GET", tenant.basePath() + "/%2e%2e/secret", null, "X-API-Key", tenant.key()), 400, "bad_request");
    }

    @Test
    void nodesAreListedWithTheVersionAndHashTheyServe() {
        Platform.Tenant tenant = platform.newTenant("listing");
        GatewayNode gateway = platform.startGateway("node-listing");
        await(Duration.ofSeconds(10), "config to arrive", () -> status(gateway, tenant.basePath(), tenant.key()) == 200);
        await(Duration.ofSeconds(5), "the node to report in sync", () -> node("node-listing").path("inSync").asBoolean());

        JsonNode config = platform.admin.get("/admin/config").body();
        JsonNode node = node("node-listing");
        assertThat(node.path("connected").asBoolean()).isTrue();
        assertThat(node.path("status").asText()).isEqualTo("IN_SYNC");
        assertThat(node.path("version").asLong()).isEqualTo(config.path("version").asLong());
        assertThat(node.path("hash").asText()).isEqualTo(config.path("hash").asText()).hasSize(64);
        assertThat(Instant.parse(node.path("lastSeen").asText())).isAfter(Instant.now().minusSeconds(30));
        JsonNode status = json(Http.nodeStatus(gateway, "/status"));
        assertThat(status.path("configHash").asText()).isEqualTo(node.path("hash").asText());
    }

    @Test
    void aNodeWithoutTheNodeTokenGetsNoConfig() {
        GatewayNode intruder = platform.startGateway("node-intruder", "not-the-token");
        await(Duration.ofSeconds(5), "the refusal to be recorded",
                () -> !json(Http.nodeStatus(intruder, "/status")).path("controlPlane").path("lastError").isNull());
        assertThat(Http.nodeStatus(intruder, "/status/ready").statusCode()).isEqualTo(503);
        assertThat(json(Http.nodeStatus(intruder, "/status")).path("controlPlane").path("connected").asBoolean()).isFalse();
        List<String> listed = platform.admin.get("/admin/nodes").body().path("items").findValuesAsText("nodeId");
        assertThat(listed).doesNotContain("node-intruder");
        intruder.stop();
    }

    @Test
    void gatewaysKeepServingThroughAControlPlaneOutageAndCatchUpAfter() {
        Platform.Tenant tenant = platform.newTenant("outage");
        String path = tenant.basePath() + "/stock";
        GatewayNode steady = platform.startGateway("node-steady");
        GatewayNode restarted = platform.startGateway("node-restarted");
        await(Duration.ofSeconds(10), "both nodes to serve", () -> status(steady, path, tenant.key()) == 200 && status(restarted, path, tenant.key()) == 200);

        // A change the restarted node will miss while it is down.
        restarted.stop();
        String laterKey = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of()).path("key").asText();
        await(Duration.ofSeconds(5), "the steady node to learn the new key", () -> status(steady, path, laterKey) == 200);

        platform.stopControlPlane();
        try {
            assertThat(status(steady, path, tenant.key())).as("a connected node keeps serving").isEqualTo(200);
            assertThat(status(steady, path, laterKey)).isEqualTo(200);

            GatewayNode fromDisk = platform.startGateway("node-restarted");
            assertThat(Http.nodeStatus(fromDisk, "/status/ready").statusCode()).as("ready from its disk copy").isEqualTo(200);
            assertThat(json(Http.nodeStatus(fromDisk, "/status")).path("configSource").asText()).isEqualTo("disk");
            assertThat(status(fromDisk, path, tenant.key())).as("a restarted node serves from disk").isEqualTo(200);
            assertThat(status(fromDisk, path, laterKey)).as("it does not know what changed while it was down").isEqualTo(401);

            platform.startControlPlane();
            Duration caughtUp = await(Duration.ofSeconds(15), "the restarted node to reconnect and catch up",
                    () -> status(fromDisk, path, laterKey) == 200);
            System.out.printf("node caught up %d ms after the control plane was ready%n", caughtUp.toMillis());
            await(Duration.ofSeconds(5), "both nodes listed in sync",
                    () -> node("node-restarted").path("inSync").asBoolean() && node("node-steady").path("inSync").asBoolean());
            assertThat(status(steady, path, laterKey)).isEqualTo(200);
        } finally {
            if (!controlPlaneUp()) {
                platform.startControlPlane();
            }
        }
    }

    private boolean controlPlaneUp() {
        try {
            return platform.admin.get("/admin/config").status() == 200;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private JsonNode node(String nodeId) {
        for (JsonNode node : platform.admin.all("/admin/nodes")) {
            if (nodeId.equals(node.path("nodeId").asText())) {
                return node;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static void assertCode(Http.Response response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json(response).path("code").asText()).isEqualTo(code);
    }
}
