package io.gatehouse.management;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A row no gateway can read (here a date in year 20260, written before the admin API checked ranges, or by hand)
 * is left out of the published config and reported; every other change still reaches the gateways.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class UnpublishableRowTest {

    @Inject
    Pool pool;

    @Test
    void aRowThatCannotBePublishedIsReportedAndEveryOtherChangeStillPublishes() {
        String apiId = create("/admin/apis", AdminApiTest.apiBody(unique("orders"), "/" + unique("orders"), "PUBLISHED"));
        String planId = create("/admin/plans", Map.of("name", unique("plan")));
        String consumerId = create("/admin/consumers", Map.of("username", unique("dev")));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app"));
        String otherApp = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "other"));
        UUID badKey = UUID.randomUUID();
        UUID badSubscription = UUID.randomUUID();
        pool.preparedQuery("insert into api_keys (id, application_id, key_hash, prefix, created_at, expires_at) "
                        + "values ($1, $2, $3, 'ghk_bad000', now(), '20260-01-01T00:00:00Z'::timestamptz)")
                .execute(Tuple.of(badKey, UUID.fromString(appId), UUID.randomUUID().toString())).await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("insert into subscriptions (id, application_id, api_id, plan_id, status, created_at, billing_anchor) "
                        + "values ($1, $2, $3, $4, 'ACTIVE', now(), '20260-03-15T00:00:00Z'::timestamptz)")
                .execute(Tuple.of(badSubscription, UUID.fromString(otherApp), UUID.fromString(apiId), UUID.fromString(planId)))
                .await().atMost(Duration.ofSeconds(5));
        try {
            // The changes made above may still be on their way out, each in a version of its own: the first version
            // after the key is issued need not hold the key, so the wait is for the key count itself.
            awaitAllPublished();
            int keysBefore = admin().get("/admin/config").jsonPath().getInt("keys");
            Response issued = admin().body(Map.of()).post("/admin/applications/" + appId + "/keys");
            assertThat(issued.statusCode()).isEqualTo(201);

            Response config = awaitConfig("the new key published", c -> c.jsonPath().getInt("keys") >= keysBefore + 1);
            assertThat(config.jsonPath().getInt("keys")).isEqualTo(keysBefore + 1);
            assertThat(config.jsonPath().getInt("problems")).isGreaterThanOrEqualTo(2);
            Response problems = admin().get("/admin/config/problems");
            assertThat(problems.statusCode()).isEqualTo(200);
            assertThat(problems.jsonPath().getList("items.findAll { it.section == 'keys' }.id")).contains(badKey.toString());
            assertThat(problems.jsonPath().getList("items.findAll { it.section == 'subscriptions' }.id")).contains(badSubscription.toString());
            assertThat(problems.jsonPath().getString("items.find { it.id == '" + badKey + "' }.error")).contains("cannot be published");
        } finally {
            pool.preparedQuery("delete from api_keys where id = $1").execute(Tuple.of(badKey)).await().atMost(Duration.ofSeconds(5));
            pool.preparedQuery("delete from subscriptions where id = $1").execute(Tuple.of(badSubscription)).await().atMost(Duration.ofSeconds(5));
        }
    }

    /** Until no admin change waits for a publish round to start (the publisher batches changes made close together). */
    private static void awaitAllPublished() {
        awaitConfig("every change taken up by a publish", c -> c.jsonPath().get("publishing.unpublishedSince") == null);
    }

    private static Response awaitConfig(String what, java.util.function.Predicate<Response> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Response config = admin().get("/admin/config");
            if (condition.test(config)) {
                return config;
            }
            assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
