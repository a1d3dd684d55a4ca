package io.gatehouse.management.apis;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** An API owner lists the web origins that may call an API from a browser; the gateways are sent the rule with the API. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class CorsSettingsTest {
    @Inject
    Pool pool;

    static io.restassured.specification.RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType("application/json");
    }

    /** The API as the gateways were last sent it, once its latest change is published (polled with a deadline). */
    ApiDefinition published(String apiId, java.util.function.Predicate<ApiDefinition> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        ApiDefinition last = null;
        while (System.nanoTime() < deadline) {
            RowIterator<Row> rows = pool.preparedQuery("""
                            select payload from config_log where section = 'apis' and entity_id = $1 and version is not null
                            order by version desc limit 1""").execute(Tuple.of(apiId)).await().atMost(Duration.ofSeconds(5)).iterator();
            String payload = rows.hasNext() ? rows.next().getString("payload") : null;
            last = payload == null ? null : Json.read(payload, ApiDefinition.class);
            if (last != null && until.test(last)) {
                return last;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new AssertionError("the published API never matched; last published: " + last);
    }

    @Inject
    io.gatehouse.management.accounts.Accounts accounts;

    @Test
    void anAdminListsOriginsOnTheConsolesApiPage() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String email = io.gatehouse.management.console.TestAccounts.email(io.gatehouse.management.accounts.Role.ADMIN);
        accounts.createLocal(email, java.util.Set.of("admin"), null, io.gatehouse.management.console.TestAccounts.PASSWORD);
        Response created = admin().body(Map.of("name", "cors-console-" + suffix, "version", "1", "basePath", "/cors-console-" + suffix,
                "status", "PUBLISHED", "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String apiId = created.jsonPath().getString("id");
        io.gatehouse.management.console.ConsoleClient owner = new io.gatehouse.management.console.ConsoleClient()
                .signedIn(email, io.gatehouse.management.console.TestAccounts.PASSWORD);
        assertThat(owner.get("/console/apis/" + apiId).asString()).contains("Browser access (CORS)");

        Response refused = owner.post("/console/apis/" + apiId + "/cors", Map.of("allowedOrigins", "https://shop.example.com/<b>cart</b>"));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.asString()).contains("is not an origin").doesNotContain("<b>cart</b>");

        Response saved = owner.post("/console/apis/" + apiId + "/cors", Map.of("allowedOrigins", "https://shop.example.com\nhttps://admin.shop.example.com"));
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(303);
        assertThat(published(apiId, api -> api.cors() != null).cors().origins())
                .containsExactly("https://shop.example.com", "https://admin.shop.example.com");
        assertThat(owner.get("/console/apis/" + apiId).asString()).contains("https://admin.shop.example.com");

        assertThat(owner.post("/console/apis/" + apiId + "/cors", Map.of("allowedOrigins", " ")).statusCode()).isEqualTo(303);
        assertThat(published(apiId, api -> api.cors() == null).cors()).as("no origins: back to the portal only").isNull();
    }

    @Test
    void anOwnerAllowsAShopsPagesAndTheGatewaysAreSentTheRule() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Response created = admin().body(Map.of("name", "cors-" + suffix, "version", "1", "basePath", "/cors-" + suffix, "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String apiId = created.jsonPath().getString("id");
        assertThat(published(apiId, api -> true).cors()).as("before any rule: only the portal, which the node knows itself").isNull();

        Response bad = admin().body(Map.of("allowedOrigins", List.of("https://shop.example.com/checkout", "HTTPS://SHOP.EXAMPLE.COM")))
                .put("/admin/apis/" + apiId + "/cors");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.jsonPath().getString("code")).isEqualTo("validation_failed");
        assertThat(bad.jsonPath().getString("message")).contains("/checkout").contains("HTTPS://SHOP.EXAMPLE.COM");

        Response set = admin().body(Map.of("allowedOrigins", List.of("https://shop.example.com"), "allowedHeaders", List.of("X-Trace"),
                "maxAgeSeconds", 120)).put("/admin/apis/" + apiId + "/cors");
        assertThat(set.statusCode()).as(set.asString()).isEqualTo(200);
        assertThat(set.jsonPath().getList("cors.allowedOrigins")).containsExactly("https://shop.example.com");
        ApiDefinition sent = published(apiId, api -> api.cors() != null);
        assertThat(sent.cors().origins()).containsExactly("https://shop.example.com");
        assertThat(sent.cors().headers()).containsExactly("X-Trace");
        assertThat(sent.cors().maxAge()).isEqualTo(120);
        assertThat(sent.problems()).isEmpty();

        assertThat(admin().delete("/admin/apis/" + apiId + "/cors").statusCode()).isEqualTo(200);
        assertThat(published(apiId, api -> api.cors() == null).cors()).isNull();
        assertThat(admin().get("/admin/apis/" + apiId + "/changes").asString()).contains("cors");
    }
}
