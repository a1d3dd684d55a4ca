package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.FakeStripe;
import com.google.gson.JsonObject;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.ConsoleClient;
import io.gatehouse.management.console.TestAccounts;
import io.gatehouse.management.usage.UsageStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
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
    @Inject
    Accounts accounts;
    @Inject
    OverageMeter meter;

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

    private JsonObject stripeSubscription(String subscriptionId) {
        return stripe().objects("subscription").get(stripeSubscriptionOf(subscriptionId));
    }

    private static List<String> prices(JsonObject stripeSubscription) {
        List<String> prices = new java.util.ArrayList<>();
        synchronized (stripeSubscription) {
            stripeSubscription.getAsJsonObject("items").getAsJsonArray("data")
                    .forEach(i -> prices.add(i.getAsJsonObject().getAsJsonObject("price").get("id").getAsString()));
        }
        return prices;
    }

    private String billingStatus(BillingFixture f) {
        return pool.preparedQuery("select status from billing_subscriptions where subscription_id = $1").execute(Tuple.of(UUID.fromString(f.subscriptionId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString(0);
    }

    @Test
    void aPlanChangeMovesTheStripeSubscriptionAndAClosedOneIsCancelledWithItsLastUsageInvoiced() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 130);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        String customer = stripe().customerOf(f.consumerId);
        String stripeSubscription = stripeSubscriptionOf(f.subscriptionId);
        List<String> silver = prices(stripeSubscription(f.subscriptionId));

        // Moved to a dearer plan mid-period: 30.00 a month, 100 included, then 1 cent a request.
        String gold = BillingFixture.plan("SOFT", 100, Map.of("currency", "USD", "basePrice", 3000, "includedUnits", 100, "unitPrice", 1, "per", 1));
        admin().body(Map.of("planId", gold)).put("/admin/subscriptions/" + f.subscriptionId + "/plan").then().statusCode(200);

        // Stripe cannot be reached on the first run: nothing changes, and the next run does it.
        stripe().unreachable(true);
        try {
            jobs.runNow(Duration.ofSeconds(30));
        } finally {
            stripe().unreachable(false);
        }
        assertThat(prices(stripeSubscription(f.subscriptionId))).as("unchanged while Stripe was away").isEqualTo(silver);
        assertThat((List<String>) reconciliationLine(f).get("findings")).as("the change still to make is named")
                .contains("Subscription " + f.subscriptionId + " moved to another plan; its Stripe subscription " + stripeSubscription + " is not moved yet.");
        // And Stripe's limiter refuses the next requests: they wait for its Retry-After and go through in the same run.
        long limitedBefore = stripe().rateLimitedAnswers();
        stripe().rateLimitNext(2);
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().rateLimitedAnswers() - limitedBefore).isGreaterThanOrEqualTo(2);
        JsonObject moved = stripeSubscription(f.subscriptionId);
        List<String> goldPrices = prices(moved);
        assertThat(goldPrices).hasSize(2).doesNotContainAnyElementsOf(silver);
        assertThat(moved.get("proration_behavior").getAsString()).as("Stripe prorates the base price of a plan change").isEqualTo("create_prorations");
        assertThat(moved.getAsJsonObject("metadata").get("gatehouse_plan_id").getAsString()).isEqualTo(gold);
        assertThat(stripe().postKeys("/v1/subscriptions/" + stripeSubscription)).containsOnly("gatehouse-subscription-" + f.subscriptionId + "-plan-1");

        // A control plane that stopped between Stripe's answer and its own record runs again: no second change.
        int updates = stripe().postKeys("/v1/subscriptions/" + stripeSubscription).size();
        pool.preparedQuery("""
                        update billing_subscriptions set plan_id = $2, price_version = 1 where subscription_id = $1""")
                .execute(Tuple.of(UUID.fromString(f.subscriptionId), UUID.fromString(f.planId))).await().atMost(Duration.ofSeconds(5));
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().postKeys("/v1/subscriptions/" + stripeSubscription)).hasSize(updates);
        assertThat(prices(stripeSubscription(f.subscriptionId))).isEqualTo(goldPrices);

        // More usage on the new plan, then the last calls and the close.
        f.report(usage, 20);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        f.report(usage, 10);
        admin().delete("/admin/subscriptions/" + f.subscriptionId).then().statusCode(200);
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(stripe().cancelCalls(stripeSubscription)).as("not cancelled while its last overage is on its way").isEmpty();
        await("acknowledged", Duration.ofSeconds(20), () -> unacknowledged(f) == 0);
        // Stripe away again when the cancel is due: it is retried on the next run.
        stripe().unreachable(true);
        try {
            jobs.runNow(Duration.ofSeconds(30));
        } finally {
            stripe().unreachable(false);
        }
        assertThat(billingStatus(f)).isEqualTo("ACTIVE");
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(billingStatus(f)).isEqualTo("DELETED");
        JsonObject cancelled = stripeSubscription(f.subscriptionId);
        assertThat(cancelled.get("status").getAsString()).isEqualTo("canceled");
        assertThat(cancelled.get("cancel_invoice_now").getAsString()).isEqualTo("true");
        assertThat(cancelled.get("cancel_prorate").getAsString()).isEqualTo("true");
        assertThat(stripe().cancelCalls(stripeSubscription)).containsExactly("gatehouse-subscription-" + f.subscriptionId + "-cancel");

        // The final invoice bills every unit past the included ones once, at the plan in force: 160 used, 100 included.
        JsonObject last = stripe().invoices().stream().filter(i -> i.has("subscription") && stripeSubscription.equals(i.get("subscription").getAsString()))
                .findFirst().orElseThrow();
        assertThat(last.get("metered_quantity").getAsLong()).isEqualTo(60);
        assertThat(last.get("metered_amount").getAsLong()).isEqualTo(60);
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(60);
        JsonPath projection = admin().queryParam("consumerId", f.consumerId).get("/admin/billing/projection").jsonPath();
        assertThat(projection.getLong("rows[0].overageUnits")).isEqualTo(60);
        assertThat(projection.getLong("rows[0].overageAmount")).as("Gatehouse rates the period as Stripe invoices its usage").isEqualTo(60);

        // Recorded as active again, as after a crash between Stripe's answer and the record: read, not cancelled twice.
        pool.preparedQuery("update billing_subscriptions set status = 'ACTIVE', deleted_at = null where subscription_id = $1")
                .execute(Tuple.of(UUID.fromString(f.subscriptionId))).await().atMost(Duration.ofSeconds(5));
        jobs.runNow(Duration.ofSeconds(30));
        assertThat(billingStatus(f)).isEqualTo("DELETED");
        assertThat(stripe().cancelCalls(stripeSubscription)).hasSize(1);
        assertThat(stripe().meterEventTotal(customer)).isEqualTo(60);
    }

    @Test
    void manyNewSubscriptionsAreProvisionedAndBilledUnderStripesRateLimit() throws Exception {
        List<BillingFixture> subscribed = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
            f.report(usage, 100 + i + 1);
            subscribed.add(f);
        }
        long limitedBefore = stripe().rateLimitedAnswers();
        // A burst of 429s from Stripe at the start of provisioning (fewer than a call's attempts: each waits Retry-After).
        stripe().rateLimitNext(4);
        long start = System.nanoTime();
        jobs.runNow(Duration.ofSeconds(60));
        for (BillingFixture f : subscribed) {
            await("acknowledged", Duration.ofSeconds(30), () -> unacknowledged(f) == 0);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.infof("8 subscriptions provisioned and billed in %s; %d requests so far, most in one second %d, 429s %d",
                took, stripe().requests(), stripe().mostRequestsInASecond(), stripe().rateLimitedAnswers() - limitedBefore);
        for (int i = 0; i < subscribed.size(); i++) {
            BillingFixture f = subscribed.get(i);
            assertThat(stripe().customerOf(f.consumerId)).as("provisioned in the one run despite the 429s").isNotNull();
            assertThat(stripe().meterEventTotal(stripe().customerOf(f.consumerId))).as("every unit once").isEqualTo(i + 1);
        }
        assertThat(stripe().rateLimitedAnswers() - limitedBefore).as("only the injected burst: the pacer kept under Stripe's limiter").isEqualTo(4);
        assertThat(stripe().mostRequestsInASecond()).as("never more than the configured rate in any second, over the whole class")
                .isLessThanOrEqualTo(StripeTestResource.REQUESTS_PER_SECOND);
    }

    @Test
    void aSlowStripeGetsSeveralRequestsAtOnceWithinTheBoundOnePerCustomerMeterAndEachUnitOnceThroughFailures() throws Exception {
        BillingFixture first = BillingFixture.subscribed("SOFT", 100, PRICING);
        List<BillingFixture> developers = new java.util.ArrayList<>(List.of(first));
        for (int i = 1; i < 16; i++) {
            developers.add(first.anotherConsumer());
        }
        // Stripe answers every request after 150 ms: one request at a time would manage about 6 a second.
        stripe().answerAfter(Duration.ofMillis(150));
        try {
            stripe().resetMostInFlight();
            long start = System.nanoTime();
            jobs.runNow(Duration.ofSeconds(60));
            int provisioning = stripe().mostInFlight();
            LOG.infof("16 consumers provisioned in %s, at most %d requests in flight", Duration.ofNanos(System.nanoTime() - start), provisioning);
            for (BillingFixture f : developers) {
                assertThat(stripe().customerOf(f.consumerId)).as("every consumer provisioned in the one run").isNotNull();
            }
            assertThat(provisioning).as("consumers provisioned several at once, never more than the bound")
                    .isGreaterThan(1).isLessThanOrEqualTo(StripeTestResource.CONCURRENCY);

            // Overage for everyone at once, through two 500s and two 429s (each 429 holds every sender back for its Retry-After).
            for (int i = 0; i < developers.size(); i++) {
                developers.get(i).report(usage, 100 + i + 1);
            }
            stripe().failNext(2, FakeStripe.Failure.SERVER_ERROR);
            stripe().failNext(2, FakeStripe.Failure.RATE_LIMITED);
            stripe().resetMostInFlight();
            start = System.nanoTime();
            jobs.runNow(Duration.ofSeconds(60));
            for (BillingFixture f : developers) {
                await("acknowledged", Duration.ofSeconds(30), () -> unacknowledged(f) == 0);
            }
            int sending = stripe().mostInFlight();
            LOG.infof("16 meter events acknowledged %s after metering through 2 500s and 2 429s, at most %d in flight",
                    Duration.ofNanos(System.nanoTime() - start), sending);
            assertThat(sending).as("events sent several at once, never more than the bound")
                    .isGreaterThan(1).isLessThanOrEqualTo(StripeTestResource.CONCURRENCY);

            // Usage keeps arriving while a send waits on Stripe: three developers get three new events each, all due
            // together, in the order they were metered (one of each developer per run): more events of one customer
            // and meter than there are developers, so only sending each customer's events in turn keeps them apart.
            String stuck = stripe().customerOf(first.consumerId);
            java.util.concurrent.CompletableFuture<String> held = stripe().holdNextAnswer(stuck);
            first.report(usage, 10);
            meter.enqueue(Instant.now()).await().atMost(Duration.ofSeconds(30));
            held.get(30, java.util.concurrent.TimeUnit.SECONDS);
            List<BillingFixture> busy = developers.subList(0, 3);
            for (int round = 0; round < 3; round++) {
                for (BillingFixture f : busy) {
                    f.report(usage, 5 + round);
                }
                meter.enqueue(Instant.now()).await().atMost(Duration.ofSeconds(30));
            }
            assertThat(busy).allSatisfy(f -> assertThat(unacknowledged(f)).as("three new events each, waiting").isGreaterThanOrEqualTo(3));
            stripe().failNext(1, FakeStripe.Failure.SERVER_ERROR);
            stripe().failNext(1, FakeStripe.Failure.RATE_LIMITED);
            stripe().resetMostInFlight();
            stripe().release();
            for (BillingFixture f : busy) {
                await("acknowledged", Duration.ofSeconds(30), () -> unacknowledged(f) == 0);
            }
            LOG.infof("the backlog went at most %d in flight", stripe().mostInFlight());
            assertThat(stripe().mostInFlight()).isLessThanOrEqualTo(StripeTestResource.CONCURRENCY);
            assertThat(stripe().concurrentCallsForOneCustomerMeter()).as("never two calls for one customer and meter at once").isZero();
            for (int i = 0; i < developers.size(); i++) {
                BillingFixture f = developers.get(i);
                long expected = (i + 1) + (i < 3 ? 5 + 6 + 7 : 0) + (i == 0 ? 10 : 0);
                assertThat(stripe().meterEventTotal(stripe().customerOf(f.consumerId))).as("every unit of developer %d once", i).isEqualTo(expected);
                assertThat(outbox("select coalesce(sum(units), 0) from meter_event_outbox where subscription_id = $1 and state = 'ACKNOWLEDGED'",
                        f.subscriptionId)).isEqualTo(expected);
            }
        } finally {
            stripe().answerAfter(Duration.ZERO);
            stripe().release();
        }
    }

    @Test
    void aDeveloperSeesTheirStripeInvoicesEscapedAndTheirChargesWhenStripeIsAway() throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, PRICING);
        f.report(usage, 110);
        jobs.runNow(Duration.ofSeconds(30));
        String customer = stripe().customerOf(f.consumerId);
        Instant start = Instant.parse("2026-10-01T00:00:00Z");
        stripe().issueInvoice(customer, "GH-0001", start, Instant.parse("2026-11-01T00:00:00Z"), 1210, "usd", "paid",
                "https://invoice.stripe.com/i/acct_test/inv_1");
        stripe().issueInvoice(customer, "<script>alert(1)</script>", start, start, 5, "usd", "open", "javascript:alert(1)");
        // Another customer's invoice is not shown.
        BillingFixture other = BillingFixture.subscribed("SOFT", 100, PRICING);
        jobs.runNow(Duration.ofSeconds(30));
        stripe().issueInvoice(stripe().customerOf(other.consumerId), "OTHER-1", start, start, 999, "usd", "paid", "https://invoice.stripe.com/i/other");

        String developer = f.consumerName + "@example.test";
        UUID account = accounts.createLocal(developer, java.util.Set.of(Role.DEVELOPER_NAME), null, TestAccounts.PASSWORD).id();
        pool.preparedQuery("update consumers set user_id = $2 where id = $1").execute(Tuple.of(UUID.fromString(f.consumerId), account))
                .await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("update users set email_verified_at = now() where id = $1").execute(Tuple.of(account)).await().atMost(Duration.ofSeconds(5));
        ConsoleClient client = new ConsoleClient().signedIn(developer, TestAccounts.PASSWORD);

        Document page = Jsoup.parse(client.get("/portal/billing").asString());
        var rows = page.select("[data-testid=invoices] tbody tr");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).text()).as("newest first").contains("<script>alert(1)</script>").contains("0.05 USD").contains("open");
        assertThat(rows.get(0).select("a")).as("only Stripe's https invoice page is linked").isEmpty();
        assertThat(page.select("[data-testid=invoices] script")).isEmpty();
        assertThat(rows.get(1).text()).contains("GH-0001").contains("2026-10-01 – 2026-11-01").contains("12.10 USD").contains("paid");
        assertThat(rows.get(1).selectFirst("a").attr("href")).isEqualTo("https://invoice.stripe.com/i/acct_test/inv_1");
        assertThat(page.text()).doesNotContain("OTHER-1");

        // Stripe cannot be reached: the page says so, and still shows the computed charges.
        stripe().unreachable(true);
        try {
            long t0 = System.nanoTime();
            io.restassured.response.Response away = client.get("/portal/billing");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            LOG.infof("portal billing page with Stripe away answered in %s", took);
            assertThat(away.statusCode()).isEqualTo(200);
            Document degraded = Jsoup.parse(away.asString());
            assertThat(degraded.selectFirst("[data-testid=invoices-unavailable]").text()).contains("cannot be loaded from Stripe");
            assertThat(degraded.select("[data-testid=invoices]")).isEmpty();
            assertThat(degraded.selectFirst("[data-testid=current] tbody").text()).contains("(10)");
            assertThat(took).isLessThan(Duration.ofSeconds(20));
        } finally {
            stripe().unreachable(false);
        }
    }
}
