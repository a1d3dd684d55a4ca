package io.gatehouse.management;

import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.accounts.UserAccount;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.assertError;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** An api-owner's personal access token reaches their team's APIs, plans and subscriptions; another team's are not found. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class TeamScopingTest {

    @Inject
    Accounts accounts;
    @Inject
    AccountStore store;
    @Inject
    Pool pool;

    @Test
    void anApiOwnerReachesOnlyTheirTeamsApisPlansAndSubscriptions() {
        String payments = unique("payments");
        String search = unique("search");
        String alice = token(payments);
        String bob = token(search);

        // Alice publishes an API and a plan it offers; the API is her team's because she made it.
        String apiName = unique("ledger");
        Response made = as(alice).body(AdminApiTest.apiBody(apiName, "/" + unique("ledger"), "PUBLISHED")).post("/admin/apis");
        assertThat(made.statusCode()).as(made.asString()).isEqualTo(201);
        assertThat(made.jsonPath().getString("ownerTeam")).isEqualTo(payments);
        String api = made.jsonPath().getString("id");
        String planName = unique("ledger-gold");
        Response plan = as(alice).body(Map.of("name", planName, "ratePerSecond", 20, "monthlyQuota", 10_000))
                .post("/admin/apis/" + api + "/plans");
        assertThat(plan.statusCode()).as(plan.asString()).isEqualTo(201);
        String planId = plan.jsonPath().getString("id");
        assertThat(as(alice).get("/admin/plans?apiId=" + api).jsonPath().getList("items.id")).containsExactly(planId);

        // A developer asks to subscribe (the portal's way: PENDING).
        String consumer = create("/admin/consumers", Map.of("username", unique("dev")));
        String app = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "shop"));
        String pending = UUID.randomUUID().toString();
        pool.preparedQuery("insert into subscriptions (id, application_id, api_id, plan_id, status, created_at) values ($1, $2, $3, $4, 'PENDING', now())")
                .execute(Tuple.of(UUID.fromString(pending), UUID.fromString(app), UUID.fromString(api), UUID.fromString(planId)))
                .await().atMost(Duration.ofSeconds(5));

        // Bob, of another team, finds none of it: not 403, which would tell him it exists.
        assertError(as(bob).get("/admin/apis/" + api), 404, "not_found");
        assertError(as(bob).body(AdminApiTest.apiBody("taken-over", "/taken-over-" + search, "PUBLISHED")).put("/admin/apis/" + api), 404, "not_found");
        assertError(as(bob).body(Map.of("name", unique("sneaky"))).post("/admin/apis/" + api + "/plans"), 404, "not_found");
        assertError(as(bob).get("/admin/apis/" + api + "/changes"), 404, "not_found");
        assertError(as(bob).body(Map.of("percent", 50, "targets", List.of(Map.of("url", "http://127.0.0.1:9/")))).put("/admin/apis/" + api + "/canary"), 404, "not_found");
        assertError(as(bob).get("/admin/plans/" + planId), 404, "not_found");
        assertError(as(bob).body(Map.of("name", "cheap", "ratePerSecond", 1_000_000)).put("/admin/plans/" + planId), 404, "not_found");
        assertError(as(bob).get("/admin/subscriptions/" + pending), 404, "not_found");
        assertError(as(bob).post("/admin/subscriptions/" + pending + "/approve"), 404, "not_found");
        assertError(as(bob).body(Map.of("reason", "no")).post("/admin/subscriptions/" + pending + "/reject"), 404, "not_found");
        assertError(as(bob).get("/admin/subscriptions/" + pending + "/quota"), 404, "not_found");
        assertError(as(bob).body(Map.of("applicationId", app, "apiId", api, "planId", planId)).post("/admin/subscriptions"),
                422, "unknown_reference");
        assertError(as(bob).get("/admin/plans?apiId=" + api), 422, "unknown_reference");
        // Narrowed by name, so that the answer is not just a first page the record would not have been on anyway.
        Response bobsApis = as(bob).get("/admin/apis?namePrefix=" + apiName);
        assertThat(bobsApis.jsonPath().getList("items")).isEmpty();
        assertThat(bobsApis.jsonPath().getLong("total")).isZero();
        assertThat(as(bob).get("/admin/plans?namePrefix=" + planName).jsonPath().getList("items")).isEmpty();
        Response bobsSubscriptions = as(bob).get("/admin/subscriptions?apiId=" + api);
        assertThat(bobsSubscriptions.jsonPath().getList("items")).isEmpty();
        assertThat(bobsSubscriptions.jsonPath().getLong("total")).isZero();
        assertThat(as(bob).get("/admin/subscriptions?applicationId=" + app).jsonPath().getList("items")).isEmpty();
        assertThat(admin().get("/admin/apis/" + api).jsonPath().getString("name")).as("bob's refused update changed nothing").startsWith("ledger");

        // Alice's own work goes through, and her lists hold her team's records only.
        assertThat(as(alice).get("/admin/apis/" + api).statusCode()).isEqualTo(200);
        Response renamed = as(alice).body(AdminApiTest.apiBody("ledger-" + payments, "/ledger-" + payments, "PUBLISHED")).put("/admin/apis/" + api);
        assertThat(renamed.statusCode()).as(renamed.asString()).isEqualTo(200);
        assertThat(renamed.jsonPath().getString("ownerTeam")).isEqualTo(payments);
        assertThat(as(alice).get("/admin/plans/" + planId).statusCode()).isEqualTo(200);
        assertThat(as(alice).get("/admin/plans?namePrefix=" + planName).jsonPath().getList("items.id")).containsExactly(planId);
        Response approved = as(alice).post("/admin/subscriptions/" + pending + "/approve");
        assertThat(approved.statusCode()).as(approved.asString()).isEqualTo(200);
        assertThat(approved.jsonPath().getString("status")).isEqualTo("ACTIVE");
        assertThat(as(alice).get("/admin/subscriptions/" + pending + "/quota").statusCode()).as("the owning team reads its quota").isEqualTo(200);
        Response alicesApis = as(alice).get("/admin/apis");
        assertThat(alicesApis.jsonPath().getList("items.id")).containsExactly(api);
        assertThat(alicesApis.jsonPath().getLong("total")).isEqualTo(1);
        assertThat(alicesApis.jsonPath().getList("items.ownerTeam", String.class)).containsOnly(payments);
        assertThat(as(alice).get("/admin/subscriptions").jsonPath().getList("items.id")).containsExactly(pending);
        assertThat(as(alice).get("/admin/keys?applicationId=" + app).statusCode()).as("keys of an application subscribed to her API").isEqualTo(200);
        assertError(as(bob).get("/admin/applications/" + app + "/keys"), 404, "not_found");

        // Admins (the bootstrap token here) see every team's.
        assertThat(admin().get("/admin/apis/" + api).statusCode()).isEqualTo(200);
        assertThat(admin().get("/admin/subscriptions?apiId=" + api).jsonPath().getList("items.id")).containsExactly(pending);
        assertThat(admin().get("/admin/apis?team=" + payments).jsonPath().getList("items.id")).containsExactly(api);
        assertThat(admin().get("/admin/apis?namePrefix=ledger-" + payments).jsonPath().getList("items.id")).containsExactly(api);
        assertThat(admin().get("/admin/plans?namePrefix=" + planName).jsonPath().getList("items.id")).containsExactly(planId);
        assertThat(admin().get("/admin/subscriptions?applicationId=" + app).jsonPath().getList("items.id")).containsExactly(pending);
    }

    /** A personal access token of a new api-owner of the team, as one would create in the console. */
    private String token(String team) {
        UserAccount owner = accounts.createLocal(Role.API_OWNER.id() + "-" + UUID.randomUUID().toString().substring(0, 8) + "@gatehouse.test",
                Set.of(Role.API_OWNER.id()), team, "correct horse battery staple");
        return store.createAccessToken(owner.id(), "ci", OffsetDateTime.now().plusDays(1)).await().atMost(Duration.ofSeconds(5)).token();
    }

    private static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
    }
}
