package io.gatehouse.management;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.assertError;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class PublishFromDocumentTest {

    static String resource(String name) {
        try (InputStream in = PublishFromDocumentTest.class.getResourceAsStream("/openapi/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String renamed(String document, String title) {
        return document.replaceFirst("title: \\S+", "title: " + title);
    }

    @Test
    void anInvalidDocumentIsRefusedWithWhereItIsWrongAndNothingIsSaved() {
        String name = unique("broken");
        long apisBefore = admin().get("/admin/apis").jsonPath().getLong("total");

        Response refused = admin().body(Map.of("document", renamed(resource("broken.yaml"), name), "basePath", "/" + name,
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis/import");

        assertError(refused, 400, "invalid_document");
        List<Map<String, Object>> details = refused.jsonPath().getList("details");
        assertThat(details).as(refused.asString()).anySatisfy(d -> {
            assertThat(d.get("field")).isEqualTo("/paths/~1x/get/responses");
            assertThat((String) d.get("message")).contains("paths.'/x'").contains("responses");
            assertThat(d.get("line")).isEqualTo(7); // the line of "get:", the parent of the missing attribute
        });
        assertThat(admin().get("/admin/apis?namePrefix=" + name).jsonPath().getList("items")).isEmpty();
        assertThat(admin().get("/admin/apis").jsonPath().getLong("total")).isEqualTo(apisBefore);

        assertError(admin().body(Map.of("document", "openapi: [", "basePath", "/x")).post("/admin/apis/import"), 400, "invalid_document");
        Response undeclared = admin().body(Map.of("document", "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n"
                + "\"paths\": {\"/a/{id}\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}}}}", "basePath", "/x")).post("/admin/apis/import");
        assertError(undeclared, 400, "invalid_document");
        assertThat(undeclared.jsonPath().getString("details[0].field")).isEqualTo("/paths/~1a~1{id}");
        assertThat(undeclared.jsonPath().getInt("details[0].line")).isEqualTo(2);
        assertError(admin().body(Map.of("document", "{\"swagger\": \"2.0\", \"info\": {\"title\": \"old\", \"version\": \"1\"}, \"paths\": {}}",
                "basePath", "/x")).post("/admin/apis/import"), 400, "invalid_document");
        assertError(admin().body(Map.of("basePath", "/x")).post("/admin/apis/import"), 400, "validation_failed");
    }

    @Test
    void anOwnerPublishesFromYamlWithTargetsAndPlansInTheSameRequest() {
        String name = unique("orders");
        String basePath = "/" + name;
        Response published = admin().body(Map.of(
                "document", renamed(resource("orders.yaml"), name),
                "basePath", basePath,
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000/v2", "weight", 1)),
                "upstreamPolicy", Map.of("retries", 1),
                "plans", List.of(Map.of("name", unique("gold"), "ratePerSecond", 50, "monthlyQuota", 100000)))).post("/admin/apis/import");

        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        String apiId = published.jsonPath().getString("api.id");
        assertThat(published.header("Location")).endsWith("/admin/apis/" + apiId);
        assertThat(published.jsonPath().getString("api.name")).isEqualTo(name);
        assertThat(published.jsonPath().getString("api.version")).isEqualTo("2.0.0");
        assertThat(published.jsonPath().getString("api.status")).isEqualTo("PUBLISHED");
        assertThat(published.jsonPath().getString("api.targets[0].url")).isEqualTo("http://127.0.0.1:9000/v2");
        assertThat(published.jsonPath().getInt("api.upstreamPolicy.retries")).isEqualTo(1);
        assertThat(published.jsonPath().getList("api.operations.collect { it.method + ' ' + it.pathTemplate }"))
                .containsExactly("GET /orders", "POST /orders", "GET /orders/summary", "DELETE /orders/{id}", "GET /orders/{id}");
        assertThat(published.jsonPath().getInt("plans[0].ratePerSecond")).isEqualTo(50);
        assertThat(published.jsonPath().getString("document.format")).isEqualTo("YAML");
        assertThat(published.jsonPath().getString("document.openapi")).isEqualTo("3.1.0");
        assertThat(published.jsonPath().getString("document.sha256")).hasSize(64);

        Response stored = admin().get("/admin/apis/" + apiId + "/document");
        assertThat(stored.statusCode()).isEqualTo(200);
        assertThat(stored.contentType()).startsWith("application/yaml");
        assertThat(stored.asString()).isEqualTo(renamed(resource("orders.yaml"), name));

        // A subscription must use a plan the API offers.
        String otherPlan = AdminApiTest.create("/admin/plans", Map.of("name", unique("other")));
        String consumer = AdminApiTest.create("/admin/consumers", Map.of("username", unique("dev")));
        String app = AdminApiTest.create("/admin/consumers/" + consumer + "/applications", Map.of("name", "app"));
        assertError(admin().body(Map.of("applicationId", app, "apiId", apiId, "planId", otherPlan)).post("/admin/subscriptions"),
                422, "plan_not_offered");
        AdminApiTest.create("/admin/subscriptions", Map.of("applicationId", app, "apiId", apiId,
                "planId", published.jsonPath().getString("plans[0].id")));
    }

    @Test
    void aDocumentUploadedAsAFileWithTheServerUrlAsTargetAndBasePath() {
        String name = unique("upload");
        String document = renamed(resource("orders.yaml"), name).replace("/orders-service", "/" + name);
        // A file as it is on disk (curl --data-binary @orders.yaml): the body is the document, settings in the query.
        Response published = RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN)
                .contentType("application/yaml").body(document.getBytes(StandardCharsets.UTF_8))
                .queryParam("status", "DRAFT")
                .post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        assertThat(published.jsonPath().getString("api.basePath")).isEqualTo("/" + name);
        assertThat(published.jsonPath().getString("api.targets[0].url")).isEqualTo("http://127.0.0.1:9/" + name);
        assertThat(published.jsonPath().getString("api.status")).isEqualTo("DRAFT");
    }

    @Test
    void aFiveMegabyteDocumentIsPublishedAndOtherEndpointsStillRefuseLargeBodies() {
        String name = unique("large");
        StringBuilder json = new StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"" + name + "\",\"version\":\"1\"},\"paths\":{");
        for (int i = 0; i < 200; i++) {
            json.append(i == 0 ? "" : ",").append("\"/things").append(i).append("/{id}\":{\"get\":{\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,")
                    .append("\"schema\":{\"type\":\"string\"}}],\"responses\":{\"200\":{\"description\":\"ok\"}}}}");
        }
        json.append("},\"components\":{\"schemas\":{");
        String padding = "word ".repeat(500);
        for (int i = 0; json.length() < 5 * 1024 * 1024; i++) {
            json.append(i == 0 ? "" : ",").append("\"Thing").append(i).append("\":{\"type\":\"object\",\"description\":\"")
                    .append(padding).append("\",\"properties\":{\"id\":{\"type\":\"string\"}}}");
        }
        json.append("}}}");
        long started = System.nanoTime();
        Response published = admin().body(Map.of("document", json.toString(), "basePath", "/" + name, "status", "DRAFT",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis/import");
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("publishing a %.1f MB document took %d ms%n", json.length() / 1048576.0, ms);
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        assertThat(published.jsonPath().getList("api.operations")).hasSize(200);
        assertThat(published.jsonPath().getInt("document.sizeBytes")).isGreaterThanOrEqualTo(5 * 1024 * 1024);
        assertThat(ms).isLessThan(60_000);

        assertError(admin().body(Map.of("name", unique("p"), "description", "x".repeat(2 * 1024 * 1024))).post("/admin/plans"),
                413, "payload_too_large");
    }

    @Test
    void aRawYamlBodyWithSettingsInTheQuery() {
        String name = unique("raw");
        Response published = admin().contentType("application/yaml").body(renamed(resource("orders.yaml"), name).getBytes(StandardCharsets.UTF_8))
                .queryParam("basePath", "/" + name).queryParam("target", "http://127.0.0.1:9000").queryParam("passThrough", true)
                .post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        assertThat(published.jsonPath().getBoolean("api.passThrough")).isTrue();
        assertThat(published.jsonPath().getString("document.format")).isEqualTo("YAML");
    }
}
