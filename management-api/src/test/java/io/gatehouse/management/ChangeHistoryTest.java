package io.gatehouse.management;

import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.assertError;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ChangeHistoryTest {

    @Inject
    Pool pool;

    @Test
    void theChangeHistoryListsWhoPublishedAndWhoChangedAPlan() {
        String name = unique("billing");
        String basePath = "/" + name;
        String planName = unique("silver");
        Response imported = admin().header("X-Request-Id", "publish-" + name).body(Map.of(
                "document", PublishFromDocumentTest.renamed(PublishFromDocumentTest.resource("orders.yaml"), name),
                "basePath", basePath, "status", "DRAFT",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")),
                "plans", List.of(Map.of("name", planName, "ratePerSecond", 10)))).post("/admin/apis/import");
        assertThat(imported.statusCode()).as(imported.asString()).isEqualTo(201);
        String apiId = imported.jsonPath().getString("api.id");
        String planId = imported.jsonPath().getString("plans[0].id");

        Map<String, Object> api = Map.of("name", name, "version", "2.0.0", "basePath", basePath, "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")));
        assertThat(admin().body(api).put("/admin/apis/" + apiId).statusCode()).isEqualTo(200);
        assertThat(admin().body(Map.of("name", planName, "ratePerSecond", 25, "burst", 5)).put("/admin/plans/" + planId).statusCode())
                .isEqualTo(200);

        Response history = admin().get("/admin/apis/" + apiId + "/changes");
        assertThat(history.statusCode()).as(history.asString()).isEqualTo(200);
        List<Map<String, Object>> changes = history.jsonPath().getList("$");
        // Newest first: the plan change, then the publish, then the creation from the document.
        assertThat(changes).extracting(c -> c.get("entityType") + ":" + c.get("action"))
                .containsSubsequence("plan:update", "api:publish", "api_document:create", "api:create");
        Map<String, Object> planChange = changes.get(0);
        assertThat(planChange.get("actor")).isEqualTo("bootstrap-admin");
        assertThat(planChange.get("role")).isEqualTo("admin");
        assertThat(planChange.get("sourceAddress")).isEqualTo("127.0.0.1");
        assertThat(planChange.get("entityId")).isEqualTo(planId);
        assertThat(((Map<?, ?>) planChange.get("before")).get("ratePerSecond")).isEqualTo(10);
        assertThat(((Map<?, ?>) planChange.get("after")).get("ratePerSecond")).isEqualTo(25);
        assertThat(((Map<?, ?>) planChange.get("after")).get("burst")).isEqualTo(5);

        Map<String, Object> publish = changes.stream().filter(c -> "publish".equals(c.get("action"))).findFirst().orElseThrow();
        assertThat(publish.get("actor")).isEqualTo("bootstrap-admin");
        assertThat(((Map<?, ?>) publish.get("before")).get("status")).isEqualTo("DRAFT");
        assertThat(((Map<?, ?>) publish.get("after")).get("status")).isEqualTo("PUBLISHED");
        Map<String, Object> creation = changes.get(changes.size() - 1);
        assertThat(creation.get("requestId")).isEqualTo("publish-" + name);
        assertThat(creation.get("before")).isNull();
        Map<String, Object> document = changes.stream().filter(c -> "api_document".equals(c.get("entityType"))).findFirst().orElseThrow();
        assertThat(String.valueOf(document.get("after"))).contains("sha256=").doesNotContain("content=");
    }

    @Test
    void keyRecordsNeverHoldTheKeyOrItsHash() {
        String consumer = create("/admin/consumers", Map.of("username", unique("kim")));
        String app = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "cli"));
        Response issued = admin().body(Map.of()).post("/admin/applications/" + app + "/keys");
        String key = issued.jsonPath().getString("key");
        admin().post("/admin/keys/" + issued.jsonPath().getString("id") + "/revoke");

        String records = pool.preparedQuery("select string_agg(coalesce(before, '') || coalesce(after, ''), ' ') as all_text "
                        + "from change_records where entity_type = 'api_key' and entity_id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(issued.jsonPath().getString("id")))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getString("all_text");
        assertThat(records).contains("prefix").contains("revokedAt").doesNotContain(key).doesNotContain(ApiKeys.hash(key))
                .doesNotContain("keyHash");
    }

    @Test
    void changeRecordsCannotBeAlteredOrDeleted() {
        create("/admin/consumers", Map.of("username", unique("eve")));
        assertThatThrownBy(() -> pool.query("update change_records set actor = 'someone-else'").execute()
                .await().atMost(Duration.ofSeconds(10))).hasMessageContaining("append-only");
        assertThatThrownBy(() -> pool.query("delete from change_records").execute()
                .await().atMost(Duration.ofSeconds(10))).hasMessageContaining("append-only");
    }

    @Test
    void subscriptionsMoveOnlyAlongTheirLifecycle() {
        String apiId = create("/admin/apis", AdminApiTest.apiBody(unique("life"), "/" + unique("life"), "PUBLISHED"));
        String planId = create("/admin/plans", Map.of("name", unique("basic"), "ratePerSecond", 5));
        String consumer = create("/admin/consumers", Map.of("username", unique("sam")));
        String app = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "web"));
        String id = create("/admin/subscriptions", Map.of("applicationId", app, "apiId", apiId, "planId", planId));

        assertError(admin().post("/admin/subscriptions/" + id + "/approve"), 409, "invalid_transition");
        Response suspended = admin().body(Map.of("reason", "unpaid invoice")).post("/admin/subscriptions/" + id + "/suspend");
        assertThat(suspended.jsonPath().getString("status")).isEqualTo("SUSPENDED");
        assertThat(suspended.jsonPath().getString("reason")).isEqualTo("unpaid invoice");
        assertError(admin().body(Map.of("applicationId", app, "apiId", apiId, "planId", planId)).post("/admin/subscriptions"),
                409, "already_subscribed");
        assertThat(admin().post("/admin/subscriptions/" + id + "/resume").jsonPath().getString("status")).isEqualTo("ACTIVE");
        assertThat(admin().delete("/admin/subscriptions/" + id).jsonPath().getString("status")).isEqualTo("CLOSED");
        assertThat(admin().delete("/admin/subscriptions/" + id).jsonPath().getString("status")).isEqualTo("CLOSED");
        assertError(admin().post("/admin/subscriptions/" + id + "/resume"), 409, "invalid_transition");

        List<String> actions = admin().get("/admin/apis/" + apiId + "/changes").jsonPath().getList("action");
        assertThat(actions).containsSubsequence("close", "resume", "suspend", "create");
    }
}
