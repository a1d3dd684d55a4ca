package io.gatehouse.management.portal;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.management.portal.ReferencePageTest.admin;
import static io.gatehouse.management.portal.ReferencePageTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** A developer looking for an API in the portal's catalog, by name, tag and description. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class CatalogPageTest {

    @Inject
    Pool pool;

    static String publish(String document, String status, Map<String, Object> plan) {
        Response published = admin().body(Map.of("document", document, "basePath", "/" + unique("cat"), "status", status,
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")), "plans", List.of(plan))).post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        return published.jsonPath().getString("api.id");
    }

    static Response search(String q) {
        return RestAssured.given().accept("application/json").queryParam("q", q).get("/portal/apis");
    }

    @Test
    void developersFindPublishedApisByNameTagAndDescriptionWithTheirPlans() {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String petsName = "Petstore " + marker;
        String tag = "inventory" + marker;
        String pets = ApiReferenceBuilderTest.resource("petstore-3.0.yaml")
                .replaceFirst("title: Petstore", "title: " + petsName)
                .replace("name: store", "name: " + tag).replace("tags: [store]", "tags: [" + tag + "]")
                .replace("Pets for sale.", "Pets for sale, rare-" + marker + " breeds.");
        String goldPlan = unique("gold");
        String petsId = publish(pets, "PUBLISHED", Map.of("name", goldPlan, "ratePerSecond", 50, "burst", 10,
                "monthlyQuota", 100000, "quotaMode", "SOFT"));
        String eventsName = "Events " + marker;
        String eventsId = publish(ApiReferenceBuilderTest.resource("events-3.1.json").replace("\"title\": \"Events\"", "\"title\": \"" + eventsName + "\""),
                "PUBLISHED", Map.of("name", unique("free")));
        pool.preparedQuery("update apis set status = 'DEPRECATED' where id = $1").execute(Tuple.of(UUID.fromString(eventsId)))
                .await().atMost(Duration.ofSeconds(5));
        String draftName = "Draft " + marker;
        publish(ApiReferenceBuilderTest.resource("events-3.1.json").replace("\"title\": \"Events\"", "\"title\": \"" + draftName + "\""),
                "DRAFT", Map.of("name", unique("free")));

        Response byMarker = search(marker);
        assertThat(byMarker.statusCode()).isEqualTo(200);
        assertThat(byMarker.jsonPath().getList("entries.name")).as("drafts are never listed").containsExactly(eventsName, petsName);
        assertThat(byMarker.jsonPath().getBoolean("entries.find { it.name == '" + eventsName + "' }.versions[0].deprecated")).isTrue();
        Map<String, Object> petsVersion = byMarker.jsonPath().getMap("entries.find { it.name == '" + petsName + "' }.versions[0]");
        assertThat(petsVersion.get("id")).isEqualTo(petsId);
        assertThat(byMarker.jsonPath().getList("entries.find { it.name == '" + petsName + "' }.versions[0].tags", String.class)).contains("pets", tag);
        assertThat(byMarker.jsonPath().getString("entries.find { it.name == '" + petsName + "' }.versions[0].plans[0].name")).isEqualTo(goldPlan);
        assertThat(byMarker.jsonPath().getInt("entries.find { it.name == '" + petsName + "' }.versions[0].plans[0].monthlyQuota")).isEqualTo(100000);

        assertThat(search(tag).jsonPath().getList("entries.name")).as("by tag").containsExactly(petsName);
        assertThat(search("RARE-" + marker).jsonPath().getList("entries.name")).as("by description, any case").containsExactly(petsName);
        assertThat(search("events " + marker).jsonPath().getList("entries.name")).as("by name").containsExactly(eventsName);
        assertThat(search(marker + "%").jsonPath().getList("entries")).as("% is a character, not a wildcard").isEmpty();

        String html = RestAssured.given().accept("text/html").queryParam("q", marker).get("/portal/apis").asString();
        assertThat(html).contains("href=\"/portal/apis/" + petsId + "/reference\"").contains(goldPlan)
                .contains("50 requests/s (burst 10)").contains("100000 requests, overage allowed").contains("data-testid=\"deprecated\"");
        String injected = RestAssured.given().accept("text/html").queryParam("q", "\"><script>alert(1)</script>").get("/portal/apis").asString();
        assertThat(injected).doesNotContain("<script>alert(1)").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
}
