package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.FakeStripe;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.usage.UsageStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.management.billing.BillingFixture.admin;
import static io.gatehouse.management.billing.BillingFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Overage through Stripe, against the Stripe-compatible test server: each unit past the included ones is reported once,
 * whatever Stripe does on the way (5xx, 429, answers lost to timeouts) and whatever Gatehouse does (a crash between
 * sending and recording), and the reconciliation sees every difference.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(value = StripeTestResource.class, restrictToAnnotatedClass = true)
class StripeBillingTest {
    private static final Logger LOG = Logger.getLogger(StripeBillingTest.class);
    /** 10.00 USD a month for 100 requests, then 0.5 cents a request (5 per 10). */
    static final Map<String, Object> PRICING = Map.of("currency", "USD", "basePrice", 1000, "includedUnits", 100, "unitPrice", 5, "per", 10);

    @Inject
    UsageStore usage;
    @Inject
    BillingJobs jobs;
    @Inject
    Pool pool;

    private FakeStripe stripe() {
        return StripeTestResource.stripe;
    }

    private long outbox(String sql, String subscriptionId) {
        return pool.preparedQuery(sql).execute(Tuple.of(UUID.fromString(subscriptionId))).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    private long unacknowledged(BillingFixture f) {
        return outbox("select count(*) from meter_event_outbox where subscription_id = $1 and state <> 'ACKNOWLEDGED'", f.subscriptionId);
    }

    @Test
    void overagePastTheIncludedUnitsIsBilledOnceThroughStripeFailures() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 80);
        jobs.runNow(Duration.ofSeconds(30));
        String customer = stripe().customerOf(f.consumerId);
        assertThat(customer).as("a Stripe customer for the consumer's first paid subscription").isNotNull();
        assertThat(stripe().objects("subscription").values()).anySatisfy(s ->
                assertThat(s.getAsJsonObject("metadata").get("gatehouse_subscription_id").getAsString()).isEqualTo(f.subscriptionId));
        assertThat(stripe().meterEventTotal(customer)).as("no overage within the included units").isZero();

        f.report(usage, 70);
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(50);

        // Stripe fails for a while: two 500s, a 429 with Retry-After, then an answer lost after Stripe recorded the event.
        stripe().failNext(2, FakeStripe.Failure.SERVER_ERROR);
        stripe().failNext(1, FakeStripe.Failure.RATE_LIMITED);
        stripe().failNext(1, FakeStripe.Failure.RECORD_THEN_TIME_OUT);
        f.report(usage, 33);
        long callsBefore = stripe().meterEventCalls();
        jobs.runNow(Duration.ofSeconds(30));
        Duration took = await("every event acknowledged", Duration.ofSeconds(30), () -> unacknowledged(f) == 0);
        LOG.infof("overage acknowledged %s after Stripe's failures", took);
        assertThat(stripe().meterEventCalls() - callsBefore).as("retried, and resent after the lost answer").isGreaterThanOrEqualTo(5);
        assertThat(stripe().meterEventTotal(customer)).as("183 used, 100 included: 83 billed, once").isEqualTo(83);
        assertThat(outbox("select coalesce(sum(units), 0) from meter_event_outbox where subscription_id = $1", f.subscriptionId)).isEqualTo(83);

        // Metering again with nothing new adds nothing.
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(outbox("select count(*) from meter_event_outbox where subscription_id = $1", f.subscriptionId)).isEqualTo(2);

        JsonPath charges = admin().queryParam("consumerId", f.consumerId).get("/admin/billing/projection").then().statusCode(200).extract().jsonPath();
        assertThat(charges.getLong("rows[0].overageUnits")).isEqualTo(83);
        // 83 × 0.5 cents = 41.5, rounded half up to 42; plus the 10.00 base.
        assertThat(charges.getLong("rows[0].overageAmount")).isEqualTo(42);
        assertThat(charges.getBoolean("rows[0].sent")).isTrue();
    }

    @Test
    void aConsumerWithSeveralPaidSubscriptionsIsInvoicedForEachExactly() throws Exception {
        BillingFixture first = BillingFixture.subscribed("SOFT", 100, PRICING);
        // The same plan for a second API, and a tiered plan for a third: one consumer, one Stripe customer.
        BillingFixture second = first.alsoSubscribed(first.planId);
        String tiered = BillingFixture.plan("SOFT", 50, Map.of("currency", "USD", "basePrice", 2500, "includedUnits", 50, "per", 1,
                "tiers", List.of(Map.of("upTo", 100, "unitPrice", 3), Map.of("unitPrice", 2))));
        BillingFixture third = first.alsoSubscribed(tiered);
        first.report(usage, 141);
        second.report(usage, 260);
        third.report(usage, 180);
        jobs.runNow(Duration.ofSeconds(30));
        for (BillingFixture f : List.of(first, second, third)) {
            await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        }

        String customer = stripe().customerOf(first.consumerId);
        List<Map<String, Object>> rows = admin().queryParam("consumerId", first.consumerId).get("/admin/billing/projection")
                .then().statusCode(200).extract().jsonPath().getList("rows");
        assertThat(rows).hasSize(3);
        // Expected overage: 41 × 0.5 = 20.5 → 21 cents; 160 × 0.5 = 80 cents; 100 × 3 + 30 × 2 = 360 cents.
        Map<String, long[]> expected = Map.of(first.subscriptionId, new long[] {41, 21, 1000}, second.subscriptionId, new long[] {160, 80, 1000},
                third.subscriptionId, new long[] {130, 360, 2500});
        java.util.Set<String> meters = new java.util.HashSet<>();
        for (Map<String, Object> row : rows) {
            String subscription = (String) row.get("subscriptionId");
            long[] want = expected.get(subscription);
            assertThat(((Number) row.get("overageUnits")).longValue()).isEqualTo(want[0]);
            assertThat(((Number) row.get("overageAmount")).longValue()).isEqualTo(want[1]);
            String stripeSubscription = stripe().objects("subscription").values().stream()
                    .filter(s -> subscription.equals(s.getAsJsonObject("metadata").get("gatehouse_subscription_id").getAsString()))
                    .map(s -> s.get("id").getAsString()).findFirst().orElseThrow();
            FakeStripe.Invoice invoice = stripe().upcomingInvoice(stripeSubscription);
            assertThat(invoice.customer()).isEqualTo(customer);
            FakeStripe.InvoiceLine metered = invoice.lines().stream().filter(FakeStripe.InvoiceLine::metered).findFirst().orElseThrow();
            LOG.infof("subscription %s: Gatehouse %s units %s cents; Stripe's invoice %s", subscription, want[0], want[1], invoice);
            assertThat(metered.quantity()).as("Stripe meters this subscription's overage only").isEqualTo(want[0]);
            assertThat(metered.amount()).as("and charges it to the cent as Gatehouse rated it").isEqualTo(want[1]);
            assertThat(invoice.total()).isEqualTo(want[1] + want[2]);
            meters.add(stripe().objects("price.form").get(metered.price()).get("recurring[meter]").getAsString());
        }
        assertThat(meters).as("each subscription of the consumer on a meter of its own").hasSize(3);
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(41 + 160 + 130);

        Map<String, Object> line = reconciliationLine(first);
        assertThat(line.get("acknowledged")).isEqualTo(331);
        assertThat(line.get("stripe")).isEqualTo(331);
        assertThat(line.get("difference")).isEqualTo(0);
        assertThat((List<?>) line.get("findings")).isEmpty();

        // Stripe loses the second subscription's event: the reconciliation names its meter.
        String lost = stripe().meterEvents().stream().filter(e -> e.identifier().contains(second.subscriptionId)).findFirst().orElseThrow().identifier();
        stripe().drop(lost);
        line = reconciliationLine(first);
        assertThat(line.get("difference")).isEqualTo(160);
        assertThat((List<String>) line.get("findings")).anySatisfy(s -> assertThat(s)
                .isEqualTo("Meter gatehouse_api_requests_2: Gatehouse acknowledged 160 units, Stripe holds 0."));
    }

    private String stripeSubscriptionOf(String subscriptionId) {
        return stripe().objects("subscription").values().stream()
                .filter(s -> subscriptionId.equals(s.getAsJsonObject("metadata").get("gatehouse_subscription_id").getAsString()))
                .map(s -> s.get("id").getAsString()).findFirst().orElseThrow();
    }

    @Test
    void aNewPriceReachesTheStripeSubscriptionWhenItsFirstPeriodBegins() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 120);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        String subscription = stripeSubscriptionOf(f.subscriptionId);
        // 10.00 a month, and 20 requests past the included 100 at 0.5 cents.
        assertThat(stripe().upcomingInvoice(subscription).total()).isEqualTo(1000 + 10);

        // Finance raises the price: 12.00 a month and 1 cent a request, from the next period.
        String name = admin().get("/admin/plans/" + f.planId).jsonPath().getString("name");
        admin().body(Map.of("name", name, "ratePerSecond", 100, "monthlyQuota", 100, "quotaMode", "SOFT",
                        "pricing", Map.of("currency", "USD", "basePrice", 1200, "includedUnits", 100, "unitPrice", 1)))
                .put("/admin/plans/" + f.planId).then().statusCode(200);
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().upcomingInvoice(subscription).total()).as("the running period keeps its price at Stripe too").isEqualTo(1000 + 10);

        // The next period begins: version 2 is then in effect from the period's start, as this makes it now.
        Instant periodStart = io.gatehouse.protocol.limits.QuotaPeriod.containing(Instant.now(), null).start();
        pool.preparedQuery("update plan_prices set effective_from = $2 where plan_id = $1 and version = 2")
                .execute(Tuple.of(UUID.fromString(f.planId), periodStart.atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(5));
        jobs.runNow(Duration.ofSeconds(30));
        FakeStripe.Invoice after = stripe().upcomingInvoice(subscription);
        JsonPath projection = admin().queryParam("consumerId", f.consumerId).get("/admin/billing/projection").jsonPath();
        assertThat(projection.getLong("rows[0].overageAmount")).isEqualTo(20);
        FakeStripe.InvoiceLine metered = after.lines().stream().filter(FakeStripe.InvoiceLine::metered).findFirst().orElseThrow();
        assertThat(metered.amount()).as("Stripe charges the overage at the new price, as Gatehouse rates it").isEqualTo(20);
        assertThat(after.total()).isEqualTo(1200 + 20);
        assertThat(after.lines()).hasSize(2);
        var changed = stripe().objects("subscription").get(subscription);
        assertThat(changed.get("proration_behavior").getAsString()).as("a new period, nothing to prorate").isEqualTo("none");
        assertThat(changed.getAsJsonObject("metadata").get("gatehouse_price_version").getAsString()).isEqualTo("2");

        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().upcomingInvoice(subscription)).as("moved once").isEqualTo(after);
    }

    @Test
    void aCrashBetweenSendingAndRecordingDoesNotBillTwice() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 140);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        String customer = stripe().customerOf(f.consumerId);
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(40);

        // As the outbox looks after a control plane killed right after Stripe took the event: marked sent, no answer
        // recorded. Stripe's idempotency window has passed too, so only the identifier protects against a second count.
        pool.preparedQuery("update meter_event_outbox set state = 'SENT', acknowledged_at = null, sent_at = $2 where subscription_id = $1")
                .execute(Tuple.of(UUID.fromString(f.subscriptionId), Instant.now().minusSeconds(60).atOffset(ZoneOffset.UTC)))
                .await().atMost(Duration.ofSeconds(5));
        stripe().forgetIdempotencyKeys();
        await("resent and acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        assertThat(stripe().refusedDuplicates()).as("Stripe refused the resent identifier").isNotEmpty();
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(40);
    }

    @Test
    void anEventOlderThanStripeAcceptsIsFlaggedNotDropped() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 101);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        // Overage of a period that ended long ago (a node that came back after weeks), put in the outbox as metering does.
        Instant old = Instant.now().minus(Duration.ofDays(40));
        pool.preparedQuery("""
                        insert into meter_event_outbox (identifier, subscription_id, consumer_id, plan_id, period_start, period_end, sequence, units,
                            event_time, state, next_attempt_at, created_at) values ($1, $2, $3, $4, $5, $5, 1, 7, $5, 'PENDING', now(), now())""")
                .execute(Tuple.of("gh_" + f.subscriptionId + "_old_1", UUID.fromString(f.subscriptionId), UUID.fromString(f.consumerId),
                        UUID.fromString(f.planId), old.atOffset(ZoneOffset.UTC)))
                .await().atMost(Duration.ofSeconds(5));
        await("flagged", Duration.ofSeconds(20), () -> outbox("select count(*) from meter_event_outbox where subscription_id = $1 and state = 'FAILED' and stale", f.subscriptionId) == 1);
        assertThat(stripe().meterEventTotal(stripe().customerOf(f.consumerId))).isEqualTo(1);
        List<Map<String, Object>> failed = admin().queryParam("month", BillingPeriods.of(old).toString()).queryParam("state", "failed")
                .get("/admin/billing/events").then().statusCode(200).extract().jsonPath().getList("");
        assertThat(failed).anySatisfy(e -> {
            assertThat(e.get("errorCode")).isEqualTo("timestamp_too_old");
            assertThat(e.get("stale")).isEqualTo(true);
        });
    }

    @Test
    void reconciliationIsZeroAfterACleanRunAndNamesAnEventLostAtStripe() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 130);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        f.report(usage, 12);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);

        Map<String, Object> line = reconciliationLine(f);
        assertThat(line.get("acknowledged")).isEqualTo(42);
        assertThat(line.get("stripe")).isEqualTo(42);
        assertThat(line.get("difference")).isEqualTo(0);
        assertThat((List<?>) line.get("findings")).isEmpty();

        String lost = stripe().meterEvents().stream().filter(e -> e.identifier().contains(f.subscriptionId) && e.value() == 12)
                .findFirst().orElseThrow().identifier();
        stripe().drop(lost);
        line = reconciliationLine(f);
        assertThat(line.get("difference")).isEqualTo(12);
        assertThat((List<String>) line.get("findings")).anySatisfy(s -> assertThat(s).contains("12 units fewer"));
        assertThat(admin().get("/admin/billing/reconciliation").jsonPath().getBoolean("balanced")).isFalse();
    }

    private Map<String, Object> reconciliationLine(BillingFixture f) {
        List<Map<String, Object>> lines = admin().get("/admin/billing/reconciliation").then().statusCode(200).extract().jsonPath().getList("lines");
        return lines.stream().filter(l -> f.consumerId.equals(l.get("consumerId"))).findFirst().orElseThrow();
    }

    @Test
    void aHardQuotaPlanNeverSendsOverage() throws Exception {
        BillingFixture f = BillingFixture.subscribed("HARD", 100, PRICING);
        // A hard quota admits at most its quota; even usage past it (a node that could not reach the control plane, fail-open) is not billed.
        f.report(usage, 150);
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(outbox("select count(*) from meter_event_outbox where subscription_id = $1", f.subscriptionId)).isZero();
        JsonPath charges = admin().queryParam("consumerId", f.consumerId).get("/admin/billing/projection").jsonPath();
        assertThat(charges.getLong("rows[0].overageUnits")).isZero();
        assertThat(charges.getLong("rows[0].overageAmount")).isZero();
        // Subscribed mid-period: the base is prorated by the seconds left, as Stripe prorates the first period.
        assertThat(charges.getLong("rows[0].baseAmount")).isBetween(1L, 1000L);
        assertThat(charges.getLong("rows[0].total")).isEqualTo(charges.getLong("rows[0].baseAmount"));
    }
}
