package io.gatehouse.management.portal;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The portal's API reference page, as a developer without an account opens it. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ReferencePageTest {

    static io.restassured.specification.RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    static String publish(String document, String basePath, String status) {
        // API names are unique: each test's copy of a document gets its own title.
        String titled = document.replaceFirst("\"title\": \"Events\"", "\"title\": \"" + unique("Events") + "\"")
                .replaceFirst("title: Petstore", "title: " + unique("Petstore"));
        Response published = admin().body(Map.of("document", titled, "basePath", basePath, "status", status,
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        return published.jsonPath().getString("api.id");
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aPublishedApisReferenceShowsItsOperationsWithTheGatewaysAddressAndEscapesTheDocument() {
        String basePath = "/" + unique("pets");
        String document = ApiReferenceBuilderTest.resource("petstore-3.0.yaml")
                .replace("summary: Add a pet", "summary: '\"><img src=x onerror=alert(1)>'");
        String id = publish(document, basePath, "PUBLISHED");

        Response page = RestAssured.given().get("/portal/apis/" + id + "/reference");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        String html = page.asString();
        assertThat(html).contains("data-testid=\"base-url\">http://127.0.0.1:8000" + basePath + "</code>");
        assertThat(html).contains("curl &#39;http://127.0.0.1:8000" + basePath + "/pets&#39;");
        assertThat(html).contains("id=\"op-listpets\"").contains("id=\"op-addpet\"").contains("List pets");
        assertThat(html).contains("&lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt;").doesNotContain("<script>alert");
        assertThat(html).contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;").doesNotContain("<img src=x");
        assertThat(html).contains("Security schemes").contains("X-API-Key");

        // The same page again comes from the rendered reference of that document version.
        assertThat(RestAssured.given().get("/portal/apis/" + id + "/reference").asString()).isEqualTo(html);
    }

    @Test
    void draftAndUnknownApisHaveNoReferenceAndAnApiWithoutADocumentSaysSo() {
        String draft = publish(ApiReferenceBuilderTest.resource("events-3.1.json"), "/" + unique("events"), "DRAFT");
        Response hidden = RestAssured.given().get("/portal/apis/" + draft + "/reference");
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(hidden.contentType()).startsWith("text/html");
        assertThat(RestAssured.given().get("/portal/apis/" + UUID.randomUUID() + "/reference").statusCode()).isEqualTo(404);
        assertThat(RestAssured.given().get("/portal/apis/not-an-id/reference").statusCode()).isEqualTo(404);

        Response created = admin().body(Map.of("name", unique("bare"), "version", "1", "basePath", "/" + unique("bare"),
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")), "status", "PUBLISHED")).post("/admin/apis");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        Response bare = RestAssured.given().get("/portal/apis/" + created.jsonPath().getString("id") + "/reference");
        assertThat(bare.statusCode()).isEqualTo(200);
        assertThat(bare.asString()).contains("This API has no OpenAPI document yet.");
    }

    @Test
    void aThreePointOneDocumentShowsItsWebhooks() {
        String id = publish(ApiReferenceBuilderTest.resource("events-3.1.json"), "/" + unique("events"), "PUBLISHED");
        String html = RestAssured.given().get("/portal/apis/" + id + "/reference").asString();
        assertThat(html).contains("data-testid=\"webhooks\"").contains("eventCreated").contains("Sent when an event is created");
        assertThat(html).contains("one of").contains("Purchase").contains("minor units");
    }
}
