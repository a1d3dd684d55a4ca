package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.SendPacing;
import io.gatehouse.billing.stripe.StripeBilling;
import io.gatehouse.billing.stripe.StripePacer;
import io.gatehouse.management.GatehouseConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Whether billing talks to Stripe, and the client when it does. Without a Stripe key nothing is sent: the finance
 * view shows computed charges, marked as not sent, and the platform runs as without billing.
 */
@ApplicationScoped
public class BillingState {

    @Inject
    GatehouseConfig config;

    private StripeBilling stripe;
    private SendPacing pacing;

    @PostConstruct
    void init() {
        GatehouseConfig.Billing billing = config.billing();
        String key = billing.stripe().apiKey().filter(k -> !k.isBlank()).orElse(null);
        if (key != null) {
            int perSecond = billing.stripe().requestsPerSecond().orElse(StripePacer.defaultFor(key));
            stripe = new StripeBilling(key, billing.stripe().apiBase().orElse(null), billing.stripe().timeout(), new StripePacer(perSecond));
        }
        pacing = new SendPacing(billing.eventsPerSecond(), billing.retryFirst(), billing.retryMax());
    }

    public boolean stripeEnabled() {
        return stripe != null;
    }

    /** The Stripe client; only called when {@link #stripeEnabled()}. */
    public StripeBilling stripe() {
        if (stripe == null) {
            throw new IllegalStateException("billing runs without a Stripe key");
        }
        return stripe;
    }

    public SendPacing pacing() {
        return pacing;
    }

    public GatehouseConfig.Billing settings() {
        return config.billing();
    }
}
