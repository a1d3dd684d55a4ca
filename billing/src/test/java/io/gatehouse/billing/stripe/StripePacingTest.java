package io.gatehouse.billing.stripe;

import io.gatehouse.billing.rating.Pricing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stripe's rate limit: Gatehouse's requests stay under the configured rate whoever makes them, and a burst of 429s
 * (Stripe's limiter, with Retry-After) loses nothing: provisioning calls wait and try again, meter events come back
 * to be retried.
 */
class StripePacingTest {
    private static final Logger LOG = Logger.getLogger(StripePacingTest.class.getName());
    private static final int LIMIT = 10;
    private final FakeStripe stripe = new FakeStripe("sk_test_pacing");

    @AfterEach
    void close() {
        stripe.close();
    }

    @Test
    void provisioningAndEventsFromSeveralThreadsStayUnderTheLimitAndSurviveA429Burst() throws Exception {
        // Stripe's own limiter at the same rate: had Gatehouse gone faster, it would have been answered 429.
        stripe.limitRate(LIMIT);
        StripeBilling billing = new StripeBilling("sk_test_pacing", stripe.url(), Duration.ofSeconds(5), new StripePacer(LIMIT));
        billing.ensureMeter(1);
        stripe.rateLimitNext(4);
        long start = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        List<Future<String>> customers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String consumer = "consumer-" + i;
            customers.add(threads.submit(() -> billing.createCustomer(consumer, consumer, null)));
        }
        List<String> made = new ArrayList<>();
        for (Future<String> c : customers) {
            made.add(c.get());
        }
        // One event per customer, resent as the outbox would while Stripe says to wait.
        List<Future<Integer>> sends = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < made.size(); i++) {
            String customer = made.get(i);
            String identifier = "gh_pacing_" + i;
            long value = i + 1;
            sends.add(threads.submit(() -> {
                int attempts = 0;
                while (true) {
                    attempts++;
                    StripeBilling.Outcome outcome = billing.sendMeterEvent(identifier, 1, customer, value, now, Instant.now());
                    if (!(outcome instanceof StripeBilling.Outcome.Retry)) {
                        assertThat(outcome).isInstanceOf(StripeBilling.Outcome.Acknowledged.class);
                        return attempts;
                    }
                }
            }));
        }
        stripe.rateLimitNext(4);
        int attempts = 0;
        for (Future<Integer> s : sends) {
            attempts += s.get();
        }
        threads.shutdown();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("requests " + stripe.requests() + ", 429s " + stripe.rateLimitedAnswers() + ", event attempts " + attempts
                + ", most in a second " + stripe.mostRequestsInASecond() + ", took " + took);

        assertThat(stripe.objects("customer")).as("every customer made, none twice").hasSize(24);
        assertThat(made).doesNotHaveDuplicates();
        assertThat(stripe.meterEvents()).hasSize(24);
        assertThat(stripe.meterEvents().stream().mapToLong(FakeStripe.MeterEvent::value).sum()).as("every unit reported once").isEqualTo(24 * 25 / 2);
        assertThat(stripe.mostRequestsInASecond()).as("never more than the limit in any second").isLessThanOrEqualTo(LIMIT);
        assertThat(stripe.rateLimitedAnswers()).as("only the injected bursts were refused; Stripe's limiter never was hit").isEqualTo(8);
        // 24 customers and at least 24 events at 10 a second, and a pause of a second after each burst.
        assertThat(took).isGreaterThan(Duration.ofSeconds(4));
    }

    @Test
    void aCancelIsNotRepeatedAndAPlanChangeIsNamedByItsNumber() throws Exception {
        StripeBilling billing = new StripeBilling("sk_test_pacing", stripe.url(), Duration.ofSeconds(5), new StripePacer(LIMIT));
        String meter = billing.ensureMeter(1);
        String customer = billing.createCustomer("consumer-c", "initech", null);
        StripeBilling.PlanPrices silver = billing.createPrices("plan-s", "Silver", 1, 1, new Pricing("USD", 1000, 100, 5, 10, List.of()), meter);
        StripeBilling.PlanPrices gold = billing.createPrices("plan-g", "Gold", 1, 1, new Pricing("USD", 3000, 1000, 2, 10, List.of()), meter);
        String subscription = billing.createSubscription("sub-c", customer, silver, 1, Instant.now().plus(Duration.ofDays(20)));

        assertThat(billing.changePlan(subscription, "sub-c", silver, gold, "plan-g", 1, 1)).isTrue();
        assertThat(billing.changePlan(subscription, "sub-c", silver, gold, "plan-g", 1, 1)).as("already on the new prices: nothing sent").isFalse();
        // Back to silver and to gold again: each change is its own request, never a replay of the first.
        assertThat(billing.changePlan(subscription, "sub-c", gold, silver, "plan-s", 1, 2)).isTrue();
        assertThat(billing.changePlan(subscription, "sub-c", silver, gold, "plan-g", 1, 3)).isTrue();
        var items = stripe.objects("subscription").get(subscription).getAsJsonObject("items").getAsJsonArray("data");
        List<String> prices = new ArrayList<>();
        items.forEach(i -> prices.add(i.getAsJsonObject().getAsJsonObject("price").get("id").getAsString()));
        assertThat(prices).containsExactlyInAnyOrder(gold.usage(), gold.base());
        assertThat(stripe.objects("subscription").get(subscription).get("proration_behavior").getAsString()).isEqualTo("create_prorations");

        assertThat(billing.cancelSubscription(subscription, "sub-c")).isTrue();
        assertThat(billing.cancelSubscription(subscription, "sub-c")).as("already canceled").isFalse();
        assertThat(stripe.cancelCalls(subscription)).containsExactly("gatehouse-subscription-sub-c-cancel");
        assertThat(stripe.objects("subscription").get(subscription).get("status").getAsString()).isEqualTo("canceled");
        assertThat(billing.invoices(customer, 10)).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo("open");
            assertThat(i.hostedInvoiceUrl()).startsWith("https://");
        });
    }
}
