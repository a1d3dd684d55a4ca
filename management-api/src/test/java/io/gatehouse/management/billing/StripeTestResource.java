package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.FakeStripe;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts the Stripe-compatible test server and points the control plane at it, with billing's clocks shortened so a
 * test sees retries, grace periods and resends in seconds.
 */
public class StripeTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String API_KEY = "sk_test_gatehouse_billing";
    public static final String WEBHOOK_SECRET = "whsec_gatehouse_test";
    public static final int REQUESTS_PER_SECOND = 20;
    /** Stripe requests the control plane keeps in flight at once (fewer than its default, so a test sees the bound reached). */
    public static final int CONCURRENCY = 4;
    static volatile FakeStripe stripe;

    @Override
    public Map<String, String> start() {
        stripe = new FakeStripe(API_KEY);
        // Stripe's limiter at the rate the control plane is configured for: any request over it would be answered 429.
        stripe.limitRate(REQUESTS_PER_SECOND);
        return Map.ofEntries(
                Map.entry("gatehouse.billing.stripe.api-key", API_KEY),
                Map.entry("gatehouse.billing.stripe.api-base", stripe.url()),
                Map.entry("gatehouse.billing.stripe.webhook-secret", WEBHOOK_SECRET),
                Map.entry("gatehouse.billing.stripe.timeout", "PT1S"),
                Map.entry("gatehouse.billing.grace-period", "PT2S"),
                // Metering runs when a test asks (BillingJobs.runNow); sending, retries and standing on a short clock.
                Map.entry("gatehouse.billing.meter-every", "PT1H"),
                Map.entry("gatehouse.billing.send-every", "PT0.3S"),
                Map.entry("gatehouse.billing.retry-first", "PT0.2S"),
                Map.entry("gatehouse.billing.retry-max", "PT1S"),
                Map.entry("gatehouse.billing.resend-after", "PT2S"),
                Map.entry("gatehouse.billing.events-per-second", "50"),
                Map.entry("gatehouse.billing.stripe.requests-per-second", Integer.toString(REQUESTS_PER_SECOND)),
                Map.entry("gatehouse.billing.stripe.concurrency", Integer.toString(CONCURRENCY)),
                // A closed subscription is cancelled at Stripe as soon as its last overage is answered.
                Map.entry("gatehouse.billing.cancel-after", "PT0S"));
    }

    @Override
    public void stop() {
        if (stripe != null) {
            stripe.close();
        }
    }
}
