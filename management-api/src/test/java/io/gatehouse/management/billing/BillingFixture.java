package io.gatehouse.management.billing;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.usage.UsageStore;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** A consumer on a paid plan, made through the admin API, and usage reported for it as gateway nodes report it. */
final class BillingFixture {
    private static final AtomicLong SEQUENCE = new AtomicLong(System.currentTimeMillis() * 1000);

    final String apiId;
    final String planId;
    final String consumerId;
    final String consumerName;
    final String applicationId;
    final String subscriptionId;

    private BillingFixture(String apiId, String planId, String consumerId, String consumerName, String applicationId, String subscriptionId) {
        this.apiId = apiId;
        this.planId = planId;
        this.consumerId = consumerId;
        this.consumerName = consumerName;
        this.applicationId = applicationId;
        this.subscriptionId = subscriptionId;
    }

    static RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    static String unique(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String create(String path, Object body) {
        Response response = admin().body(body).post(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        return response.jsonPath().getString("id");
    }

    /** A SOFT-quota plan with a price, an API, a consumer with an application, subscribed. */
    static BillingFixture subscribed(String quotaMode, long quota, Map<String, Object> pricing) {
        String name = unique("orders");
        String apiId = create("/admin/apis", Map.of("name", name, "version", "1", "basePath", "/" + name, "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000/v1", "weight", 1))));
        String planId = create("/admin/plans", Map.of("name", unique("metered"), "ratePerSecond", 100, "monthlyQuota", quota,
                "quotaMode", quotaMode, "pricing", pricing));
        String consumerName = unique("acme");
        String consumerId = create("/admin/consumers", Map.of("username", consumerName, "email", consumerName + "@example.test"));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "backend"));
        String subscriptionId = create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        return new BillingFixture(apiId, planId, consumerId, consumerName, appId, subscriptionId);
    }

    /** A plan with rate limits, a monthly quota and a price. */
    static String plan(String quotaMode, long quota, Map<String, Object> pricing) {
        return create("/admin/plans", Map.of("name", unique("metered"), "ratePerSecond", 100, "burst", 200, "monthlyQuota", quota,
                "quotaMode", quotaMode, "pricing", pricing));
    }

    /** Another subscription of the same consumer: a new API, called from a new application, on the given plan. */
    BillingFixture alsoSubscribed(String plan) {
        String name = unique("ledger");
        String api = create("/admin/apis", Map.of("name", name, "version", "1", "basePath", "/" + name, "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000/v1", "weight", 1))));
        String app = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", unique("worker")));
        String subscription = create("/admin/subscriptions", Map.of("applicationId", app, "apiId", api, "planId", plan));
        return new BillingFixture(api, plan, consumerId, consumerName, app, subscription);
    }

    /** Another consumer, with an application, subscribed to the same API on the same plan. */
    BillingFixture anotherConsumer() {
        String name = unique("acme");
        String consumer = create("/admin/consumers", Map.of("username", name, "email", name + "@example.test"));
        String app = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "backend"));
        String subscription = create("/admin/subscriptions", Map.of("applicationId", app, "apiId", apiId, "planId", planId));
        return new BillingFixture(apiId, planId, consumer, name, app, subscription);
    }

    /** Reports admitted requests in the current hour, as a node's usage report (one new sequence each time). */
    void report(UsageStore usage, long admitted) {
        UsageRecord record = new UsageRecord(subscriptionId, consumerId, applicationId, apiId, planId,
                Instant.now().truncatedTo(ChronoUnit.HOURS), admitted, 0);
        boolean applied = usage.store("billing-test-node", new NodeMessage.UsageReport(null, List.of(record), SEQUENCE.incrementAndGet()))
                .await().atMost(Duration.ofSeconds(10));
        assertThat(applied).isTrue();
    }

    /** Polls for a condition with a deadline; returns how long it took. */
    static Duration await(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > deadline.toNanos()) {
                throw new AssertionError("timed out after " + deadline + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
