package io.gatehouse.management;

import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AdminApiTest {

    static RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    static String unique(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Map<String, Object> apiBody(String name, String basePath, String status) {
        return Map.of("name", name, "version", "1", "basePath", basePath, "status", status,
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000/v1", "weight", 2)));
    }

    static String create(String path, Object body) {
        Response response = admin().body(body).post(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        assertThat(response.header("Location")).isNotBlank();
        return response.jsonPath().getString("id");
    }

    static void assertError(Response response, int status, String code) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.jsonPath().getString("code")).as(response.asString()).isEqualTo(code);
        assertThat(response.jsonPath().getString("message")).isNotBlank();
        assertThat(response.jsonPath().getString("requestId")).isEqualTo(response.header("X-Request-Id"));
    }

    @Test
    void anOwnerPublishesAnApiAndADeveloperGetsAKeyShownOnce() {
        String apiId = create("/admin/apis", apiBody(unique("orders"), "/" + unique("orders"), "PUBLISHED"));
        String planId = create("/admin/plans", Map.of("name", unique("gold"), "ratePerSecond", 100, "burst", 20,
                "monthlyQuota", 100000, "quotaMode", "SOFT"));
        String consumerId = create("/admin/consumers", Map.of("username", unique("ada"), "email", "ada@example.com"));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "mobile"));
        String subscriptionId = create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));

        Response issued = admin().body(Map.of()).post("/admin/applications/" + appId + "/keys");
        assertThat(issued.statusCode()).isEqualTo(201);
        assertThat(issued.header("Cache-Control")).isEqualTo("no-store");
        String key = issued.jsonPath().getString("key");
        assertThat(ApiKeys.looksLikeKey(key)).isTrue();
        assertThat(issued.jsonPath().getString("prefix")).isEqualTo(key.substring(0, 10));

        Response listed = admin().get("/admin/applications/" + appId + "/keys");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.asString()).doesNotContain(key).doesNotContain(ApiKeys.hash(key));
        assertThat(listed.jsonPath().getString("items[0].state")).isEqualTo("ACTIVE");

        assertThat(admin().get("/admin/apis/" + apiId).jsonPath().getString("targets[0].url")).isEqualTo("http://127.0.0.1:9000/v1");
        assertThat(admin().get("/admin/apis/" + apiId).jsonPath().getBoolean("stripBasePath")).isTrue();
        assertThat(admin().get("/admin/plans/" + planId).jsonPath().getString("quotaMode")).isEqualTo("SOFT");
        assertThat(admin().get("/admin/subscriptions/" + subscriptionId).jsonPath().getString("status")).isEqualTo("ACTIVE");

        String keyId = issued.jsonPath().getString("id");
        assertThat(admin().post("/admin/keys/" + keyId + "/revoke").jsonPath().getString("state")).isEqualTo("REVOKED");
        assertThat(admin().get("/admin/keys/" + keyId).jsonPath().getString("revokedAt")).isNotBlank();
    }

    @Test
    void everyChangePublishesANewConfigVersionWithOnlyWhatGatewaysNeed() {
        long before = configVersion();
        String apiId = create("/admin/apis", apiBody(unique("billing"), "/" + unique("billing"), "PUBLISHED"));
        long afterApi = awaitVersionAbove(before);
        create("/admin/apis", apiBody(unique("draft"), "/" + unique("draft"), "DRAFT"));
        // A draft changes nothing the gateways see, so it makes no new version.
        Response config = admin().get("/admin/config");
        assertThat(config.jsonPath().getLong("version")).isEqualTo(afterApi);
        assertThat(config.jsonPath().getString("hash")).hasSize(64);

        admin().body(Map.of("name", unique("billing"), "version", "2", "basePath", "/" + unique("billing"), "status", "DEPRECATED",
                "targets", List.of(Map.of("url", "https://billing.internal")))).put("/admin/apis/" + apiId).then().statusCode(200);
        awaitVersionAbove(afterApi);
    }

    @Test
    void malformedOrInvalidInputIsA4xxWithAStableCode() {
        assertError(admin().body("{\"name\": \"x\",").post("/admin/apis"), 400, "malformed_json");
        assertError(admin().body("[1,2]").post("/admin/plans"), 400, "malformed_json");
        assertError(admin().body("{\"name\": \"x\", \"quotaMode\": \"SOMETIMES\"}").post("/admin/plans"), 400, "malformed_json");
        assertError(admin().body("").post("/admin/consumers"), 400, "validation_failed");

        Response invalid = admin().body(Map.of("name", "", "version", "1", "basePath", "orders", "targets", List.of())).post("/admin/apis");
        assertError(invalid, 400, "validation_failed");
        assertThat(invalid.jsonPath().getList("details.field")).contains("name", "basePath", "targets");

        assertError(admin().body(Map.of("name", unique("x"), "version", "1", "basePath", "/x",
                "targets", List.of(Map.of("url", "ftp://files.internal")))).post("/admin/apis"), 400, "invalid_upstream_url");
        assertError(admin().body(Map.of("name", unique("x"), "version", "1", "basePath", "/x",
                "targets", List.of(Map.of("url", "not a url")))).post("/admin/apis"), 400, "invalid_upstream_url");
        assertError(admin().body(Map.of("name", unique("x"), "version", "1", "basePath", "/x/../admin",
                "targets", List.of(Map.of("url", "http://a")))).post("/admin/apis"), 400, "invalid_base_path");
        assertError(admin().body(Map.of("username", "bad name!")).post("/admin/consumers"), 400, "validation_failed");
        assertError(admin().body(Map.of("name", unique("p"), "burst", 5)).post("/admin/plans"), 400, "validation_failed");
        assertError(admin().contentType(ContentType.TEXT).body("name=x").post("/admin/plans"), 415, "unsupported_media_type");
        Response unknown = admin().get("/admin/no-such-collection");
        assertError(unknown, 404, "not_found");
        assertThat(unknown.jsonPath().getString("message")).isEqualTo("There is nothing at this address.");
        Response wrongMethod = admin().delete("/admin/apis");
        assertError(wrongMethod, 405, "method_not_allowed");
        assertThat(wrongMethod.jsonPath().getString("message")).isEqualTo("This address does not take this method.");
        assertError(admin().body(Map.of("expiresAt", Instant.now().minus(Duration.ofDays(1)).toString()))
                .post("/admin/applications/" + UUID.randomUUID() + "/keys"), 400, "validation_failed");
    }

    @Test
    void anApiCarriesItsUpstreamPolicyWithDefaultsForWhatIsLeftOut() {
        Map<String, Object> body = new java.util.HashMap<>(apiBody(unique("lb"), "/" + unique("lb"), "DRAFT"));
        body.put("upstreamPolicy", Map.of("loadBalancing", "LEAST_REQUEST", "retries", 1));
        String id = create("/admin/apis", body);
        Response api = admin().get("/admin/apis/" + id);
        assertThat(api.jsonPath().getString("upstreamPolicy.loadBalancing")).isEqualTo("LEAST_REQUEST");
        assertThat(api.jsonPath().getInt("upstreamPolicy.retries")).isEqualTo(1);
        assertThat(api.jsonPath().getInt("upstreamPolicy.ejectAfterFailures")).isEqualTo(5);

        Map<String, Object> discovered = new java.util.HashMap<>(apiBody(unique("dns"), "/" + unique("dns"), "DRAFT"));
        discovered.put("targets", List.of(Map.of("url", "http://orders.internal:8080", "discovery", "DNS"),
                Map.of("url", "http://_http._tcp.orders.internal", "discovery", "SRV", "weight", 2)));
        String discoveredId = create("/admin/apis", discovered);
        assertThat(admin().get("/admin/apis/" + discoveredId).jsonPath().getString("targets[1].discovery")).isEqualTo("SRV");
        discovered.put("targets", List.of(Map.of("url", "http://orders.internal", "discovery", "MDNS")));
        assertError(admin().body(discovered).put("/admin/apis/" + discoveredId), 400, "validation_failed");

        body.put("upstreamPolicy", Map.of("loadBalancing", "RANDOM"));
        body.put("name", unique("lb"));
        body.put("basePath", "/" + unique("lb"));
        Response unknownBalancing = admin().body(body).post("/admin/apis");
        assertError(unknownBalancing, 400, "malformed_json");
        assertThat(unknownBalancing.jsonPath().getString("message")).contains("upstreamPolicy.loadBalancing", "ROUND_ROBIN");

        body.put("upstreamPolicy", Map.of("retries", 9, "circuitOpenMs", 5));
        Response invalid = admin().body(body).post("/admin/apis");
        assertError(invalid, 400, "validation_failed");
        assertThat(invalid.jsonPath().getList("details.field")).containsExactly("upstreamPolicy.circuitOpenMs", "upstreamPolicy.retries");
    }

    @Test
    void unknownIdsAreNotFoundAndUnknownReferencesAreUnprocessable() {
        assertError(admin().get("/admin/apis/" + UUID.randomUUID()), 404, "not_found");
        assertError(admin().get("/admin/apis/not-a-uuid"), 404, "not_found");
        assertError(admin().post("/admin/keys/" + UUID.randomUUID() + "/revoke"), 404, "not_found");
        assertError(admin().body(Map.of("name", "app")).post("/admin/consumers/" + UUID.randomUUID() + "/applications"), 404, "not_found");
        assertError(admin().get("/admin/no-such-thing"), 404, "not_found");
        assertError(admin().body(Map.of("applicationId", UUID.randomUUID().toString(), "apiId", "x", "planId", "y"))
                .post("/admin/subscriptions"), 422, "unknown_reference");
    }

    @Test
    void duplicatesAndIllegalTransitionsAreConflicts() {
        String name = unique("dup");
        String basePath = "/" + unique("dup");
        String apiId = create("/admin/apis", apiBody(name, basePath, "DRAFT"));
        assertError(admin().body(apiBody(name, "/" + unique("other"), "DRAFT")).post("/admin/apis"), 409, "duplicate_name");
        assertError(admin().body(apiBody(unique("other"), basePath + "/", "DRAFT")).post("/admin/apis"), 409, "duplicate_route");

        String plan = unique("plan");
        create("/admin/plans", Map.of("name", plan));
        assertError(admin().body(Map.of("name", plan)).post("/admin/plans"), 409, "duplicate_name");
        String user = unique("user");
        create("/admin/consumers", Map.of("username", user));
        assertError(admin().body(Map.of("username", user)).post("/admin/consumers"), 409, "duplicate_name");

        assertError(admin().body(apiBody(name, basePath, "DEPRECATED")).put("/admin/apis/" + apiId), 409, "invalid_transition");
        String planId = create("/admin/plans", Map.of("name", unique("plan")));
        String consumerId = create("/admin/consumers", Map.of("username", unique("user")));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "web"));
        assertError(admin().body(Map.of("applicationId", appId, "apiId", apiId, "planId", planId)).post("/admin/subscriptions"),
                409, "api_not_published");
        admin().body(apiBody(name, basePath, "PUBLISHED")).put("/admin/apis/" + apiId).then().statusCode(200);
        create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        assertError(admin().body(Map.of("applicationId", appId, "apiId", apiId, "planId", planId)).post("/admin/subscriptions"),
                409, "already_subscribed");
        assertError(admin().delete("/admin/apis/" + apiId), 409, "in_use");
        assertError(admin().delete("/admin/plans/" + planId), 409, "in_use");
    }

    @Test
    void theAdminApiNeedsTheAdminToken() {
        assertError(RestAssured.given().get("/admin/apis"), 401, "unauthenticated");
        assertError(RestAssured.given().header("Authorization", "Bearer wrong").get("/admin/apis"), 401, "invalid_token");
        assertThat(RestAssured.given().header("Authorization", "Bearer wrong").get("/admin/apis").header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void theOpenApiDocumentDescribesTheAdminApi() {
        Response document = RestAssured.given().get("/q/openapi?format=json");
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.jsonPath().getMap("paths")).containsKeys("/admin/apis", "/admin/plans", "/admin/subscriptions",
                "/admin/applications/{applicationId}/keys", "/admin/keys/{id}/revoke", "/admin/nodes");
    }

    static long configVersion() {
        Object version = admin().get("/admin/config").jsonPath().get("version");
        return version == null ? 0 : ((Number) version).longValue();
    }

    static long awaitVersionAbove(long version) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            long now = configVersion();
            if (now > version) {
                return now;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("config version did not move past " + version + " within 5 s");
    }
}
