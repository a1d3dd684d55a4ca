package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.WebhookSignature;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.management.billing.BillingFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stripe's webhooks: only correctly signed, recent deliveries count, each event once; a failed payment suspends the
 * consumer after the grace period (2 s in tests) and a paid invoice lifts it within seconds.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(value = StripeTestResource.class, restrictToAnnotatedClass = true)
class StripeWebhookTest {
    private static final Logger LOG = Logger.getLogger(StripeWebhookTest.class);

    @Inject
    BillingJobs jobs;
    @Inject
    Pool pool;

    private static String event(String id, String type, String objectId, String customer) {
        return "{\"id\":\"" + id + "\",\"object\":\"event\",\"type\":\"" + type + "\",\"data\":{\"object\":{\"id\":\"" + objectId
                + "\",\"customer\":\"" + customer + "\"}}}";
    }

    private static Response deliver(String payload, String signature) {
        return RestAssured.given().contentType("application/json; charset=utf-8").header("Stripe-Signature", signature)
                .body(payload).post(StripeWebhookResource.PATH);
    }

    private static Response deliver(String payload) {
        return deliver(payload, WebhookSignature.header(payload, StripeTestResource.WEBHOOK_SECRET, Instant.now()));
    }

    private String suspendedReason(String consumerId) {
        Row row = pool.preparedQuery("select suspended_reason from consumers where id = $1").execute(Tuple.of(UUID.fromString(consumerId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
        return row.getString(0);
    }

    private long count(String sql, Object param) {
        return pool.preparedQuery(sql).execute(Tuple.of(param)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    private BillingFixture customer() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, StripeBillingTest.PRICING);
        jobs.runNow(Duration.ofSeconds(30));
        return f;
    }

    @Test
    void aWrongSignatureOrAnOldDeliveryIsRefusedAndChangesNothing() throws Exception {
        BillingFixture f = customer();
        String customer = StripeTestResource.stripe.customerOf(f.consumerId);
        String id = "evt_" + UUID.randomUUID();
        String payload = event(id, "invoice.payment_failed", "in_1", customer);

        Response forged = deliver(payload, WebhookSignature.header(payload, "whsec_someone_else", Instant.now()));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.jsonPath().getString("code")).isEqualTo("signature_mismatch");
        Response replayed = deliver(payload, WebhookSignature.header(payload, StripeTestResource.WEBHOOK_SECRET, Instant.now().minus(Duration.ofMinutes(6))));
        assertThat(replayed.statusCode()).isEqualTo(400);
        assertThat(replayed.jsonPath().getString("code")).isEqualTo("signature_expired");
        assertThat(deliver(payload, "").statusCode()).isEqualTo(400);

        assertThat(count("select count(*) from stripe_webhook_events where event_id = $1", id)).isZero();
        assertThat(count("select count(*) from billing_payment_standing where consumer_id = $1", UUID.fromString(f.consumerId))).isZero();
    }

    @Test
    void aFailedPaymentSuspendsTheConsumerAfterTheGracePeriodAndPaymentLiftsIt() throws Exception {
        BillingFixture f = customer();
        String customer = StripeTestResource.stripe.customerOf(f.consumerId);
        String failed = event("evt_" + UUID.randomUUID(), "invoice.payment_failed", "in_" + UUID.randomUUID(), customer);
        Instant deliveredAt = Instant.now();
        Response first = deliver(failed);
        assertThat(first.statusCode()).as(first.asString()).isEqualTo(200);
        assertThat(first.jsonPath().getString("outcome")).isEqualTo("handled");
        assertThat(suspendedReason(f.consumerId)).as("still within the grace period").isNull();

        await("suspended after the grace period", Duration.ofSeconds(20), () -> "payment_failed".equals(suspendedReason(f.consumerId)));
        Duration afterGrace = Duration.between(deliveredAt, Instant.now());
        LOG.infof("suspended %s after the failed payment (grace 2 s)", afterGrace);
        assertThat(afterGrace).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        Row record = pool.preparedQuery("select actor, action from change_records where entity_type = 'consumer' and entity_id = $1 order by at desc limit 1")
                .execute(Tuple.of(f.consumerId)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(record.getString("action")).isEqualTo("suspend");
        assertThat(record.getString("actor")).isEqualTo("system");

        Response again = deliver(failed);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.jsonPath().getString("outcome")).as("the same event id is handled once").isEqualTo("duplicate");

        Instant paidAt = Instant.now();
        Response paid = deliver(event("evt_" + UUID.randomUUID(), "invoice.paid", "in_paid", customer));
        assertThat(paid.jsonPath().getString("outcome")).isEqualTo("handled");
        Duration lifted = await("lifted after payment", Duration.ofSeconds(10), () -> suspendedReason(f.consumerId) == null);
        LOG.infof("suspension lifted %s after invoice.paid", lifted);
        assertThat(Duration.between(paidAt, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(count("select count(*) from change_records where entity_id = $1 and action = 'lift_suspension'", f.consumerId)).isEqualTo(1);
    }

    @Test
    void aSuspensionForAnotherReasonIsNotLiftedByPayment() throws Exception {
        BillingFixture f = customer();
        pool.preparedQuery("update consumers set suspended_reason = 'fraud_review' where id = $1").execute(Tuple.of(UUID.fromString(f.consumerId)))
                .await().atMost(Duration.ofSeconds(5));
        deliver(event("evt_" + UUID.randomUUID(), "invoice.paid", "in_x", StripeTestResource.stripe.customerOf(f.consumerId)));
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(suspendedReason(f.consumerId)).isEqualTo("fraud_review");
    }

    @Test
    void aSubscriptionDeletedInStripeIsMarkedSo() throws Exception {
        BillingFixture f = customer();
        String stripeSubscription = StripeTestResource.stripe.objects("subscription").values().stream()
                .filter(s -> f.subscriptionId.equals(s.getAsJsonObject("metadata").get("gatehouse_subscription_id").getAsString()))
                .map(s -> s.get("id").getAsString()).findFirst().orElseThrow();
        String payload = "{\"id\":\"evt_" + UUID.randomUUID() + "\",\"type\":\"customer.subscription.deleted\",\"data\":{\"object\":{\"id\":\""
                + stripeSubscription + "\"}}}";
        assertThat(deliver(payload).jsonPath().getString("outcome")).isEqualTo("handled");
        assertThat(count("select count(*) from billing_subscriptions where stripe_subscription_id = $1 and status = 'DELETED'", stripeSubscription))
                .isEqualTo(1);
        assertThat(deliver(payload).jsonPath().getMap("")).isEqualTo(Map.of("received", true, "outcome", "duplicate"));
    }
}
