package io.gatehouse.billing.stripe;

import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.rating.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Gatehouse's Stripe mapping against the Stripe-compatible test server: what is created, and what a retry does. */
class StripeBillingTest {
    private final FakeStripe stripe = new FakeStripe("sk_test_gatehouse");
    private final StripeBilling billing = new StripeBilling("sk_test_gatehouse", stripe.url(), Duration.ofMillis(800));

    @AfterEach
    void close() {
        stripe.close();
    }

    @Test
    void aPaidPlanBecomesAMeteredPriceAndItsSubscriberAStripeSubscription() throws Exception {
        String meter = billing.ensureMeter(1);
        assertThat(billing.ensureMeter(1)).as("one meter per slot, found again rather than made twice").isEqualTo(meter);
        String customer = billing.createCustomer("consumer-1", "acme", "billing@acme.test");
        assertThat(billing.createCustomer("consumer-1", "acme", "billing@acme.test")).as("same idempotency key, same customer").isEqualTo(customer);
        Pricing pricing = new Pricing("USD", 4900, 1000, 0, 100, List.of(new Tier(10_000L, 15, 0), new Tier(null, 10, 0)));
        StripeBilling.PlanPrices prices = billing.createPrices("plan-1", "Gold", 1, 1, pricing, meter);
        var form = stripe.objects("price.form").get(prices.usage());
        assertThat(form.get("recurring[meter]").getAsString()).isEqualTo(meter);
        assertThat(form.get("recurring[usage_type]").getAsString()).isEqualTo("metered");
        assertThat(form.get("tiers_mode").getAsString()).isEqualTo("graduated");
        assertThat(form.get("tiers[0][unit_amount_decimal]").getAsString()).isEqualTo("0.15");
        assertThat(form.get("tiers[1][up_to]").getAsString()).isEqualTo("inf");
        assertThat(stripe.objects("price.form").get(prices.base()).get("unit_amount").getAsString()).isEqualTo("4900");
        String subscription = billing.createSubscription("sub-1", customer, prices, 1, Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(stripe.objects("subscription").get(subscription).getAsJsonObject("metadata").get("gatehouse_subscription_id").getAsString())
                .isEqualTo("sub-1");

        // The consumer's second paid subscription on the same plan: its overage goes to a meter of its own, so the
        // metered price is a new one; the product and the base price are the ones made for the first.
        String second = billing.ensureMeter(2);
        assertThat(second).isNotEqualTo(meter);
        assertThat(stripe.objects("billing.meter").get(second).get("event_name").getAsString()).isEqualTo("gatehouse_api_requests_2");
        StripeBilling.PlanPrices onSecond = billing.createPrices("plan-1", "Gold", 1, 2, pricing, second);
        assertThat(onSecond.product()).isEqualTo(prices.product());
        assertThat(onSecond.base()).isEqualTo(prices.base());
        assertThat(onSecond.usage()).isNotEqualTo(prices.usage());
        assertThat(stripe.objects("price.form").get(onSecond.usage()).get("recurring[meter]").getAsString()).isEqualTo(second);
    }

    @Test
    void aMeterEventSentAgainAfterALostAnswerCountsOnce() throws Exception {
        billing.ensureMeter(1);
        String customer = billing.createCustomer("consumer-2", "globex", null);
        Instant now = Instant.now();
        stripe.failNext(1, FakeStripe.Failure.RECORD_THEN_TIME_OUT);
        assertThat(billing.sendMeterEvent("gh_s_1_1", 1, customer, 40, now, now)).isInstanceOf(StripeBilling.Outcome.Retry.class);
        assertThat(billing.sendMeterEvent("gh_s_1_1", 1, customer, 40, now, now)).as("idempotent replay")
                .isInstanceOf(StripeBilling.Outcome.Acknowledged.class);
        stripe.forgetIdempotencyKeys();
        assertThat(billing.sendMeterEvent("gh_s_1_1", 1, customer, 40, now, now)).as("identifier already known")
                .isInstanceOf(StripeBilling.Outcome.AlreadyRecorded.class);
        assertThat(stripe.meterEventTotal(customer)).isEqualTo(40);

        stripe.failNext(1, FakeStripe.Failure.RATE_LIMITED);
        StripeBilling.Outcome limited = billing.sendMeterEvent("gh_s_1_2", 1, customer, 2, now, now);
        assertThat(limited).isInstanceOf(StripeBilling.Outcome.Retry.class);
        assertThat(((StripeBilling.Outcome.Retry) limited).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        stripe.failNext(1, FakeStripe.Failure.SERVER_ERROR);
        assertThat(billing.sendMeterEvent("gh_s_1_2", 1, customer, 2, now, now)).isInstanceOf(StripeBilling.Outcome.Retry.class);
        assertThat(billing.sendMeterEvent("gh_s_1_2", 1, customer, 2, now, now)).isInstanceOf(StripeBilling.Outcome.Acknowledged.class);

        StripeBilling.Outcome old = billing.sendMeterEvent("gh_s_0_1", 1, customer, 5, now.minus(Duration.ofDays(36)), now);
        assertThat(old).isEqualTo(new StripeBilling.Outcome.Failed("timestamp_too_old",
                "the event is older than the 35 days Stripe accepts; bill it by hand"));
        assertThat(billing.sendMeterEvent("gh_s_9_1", 1, "cus_unknown", 5, now, now)).isInstanceOf(StripeBilling.Outcome.Failed.class);

        List<StripeBilling.Summary> summaries = billing.summaries(billing.ensureMeter(1), customer, now.minusSeconds(60), now.plusSeconds(60));
        assertThat(summaries).extracting(StripeBilling.Summary::value).containsExactly(new BigDecimal(42));
    }

    @Test
    void aWrongKeyIsRefusedAsStripeRefusesIt() {
        StripeBilling wrong = new StripeBilling("sk_test_wrong", stripe.url(), Duration.ofSeconds(2));
        StripeBilling.Outcome outcome = wrong.sendMeterEvent("gh_x_1_1", 1, "cus_x", 1, Instant.now(), Instant.now());
        assertThat(outcome).isInstanceOf(StripeBilling.Outcome.Failed.class);
    }
}
