package io.gatehouse.management.billing;

import com.stripe.exception.StripeException;
import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.stripe.StripeBilling;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Makes the Stripe objects paid subscriptions need, on the billing thread (Stripe calls block): the meter once, a
 * customer per consumer on its first paid subscription, a product and prices per plan price version, and a Stripe
 * subscription per paid subscription. Each create carries an idempotency key made from Gatehouse ids and its result
 * is stored after; a crash between the two makes the next run get the same object back from Stripe.
 */
@ApplicationScoped
public class StripeProvisioner {
    private static final Logger LOG = Logger.getLogger(StripeProvisioner.class);
    private static final Duration DB = Duration.ofSeconds(30);

    @Inject
    Pool pool;
    @Inject
    BillingState state;
    @Inject
    Charges charges;

    /** Provisions what is missing; returns how many Stripe subscriptions it made. Blocking. */
    public int provision(Instant now) {
        StripeBilling stripe = state.stripe();
        int made = 0;
        java.util.Set<UUID> provisioned = new java.util.HashSet<>();
        pool.query("select subscription_id from billing_subscriptions").execute().await().atMost(DB).forEach(r -> provisioned.add(r.getUUID(0)));
        for (Charges.Priced s : charges.subscriptions(null).await().atMost(DB)) {
            if (!"ACTIVE".equals(s.status()) || provisioned.contains(s.subscriptionId())) {
                continue;
            }
            QuotaPeriod period = QuotaPeriod.containing(now, s.anchor());
            Pricing pricing = Charges.pricingOf(s, period);
            if (pricing == null || !pricing.paid()) {
                continue;
            }
            int version = versionAt(s.planId(), period.start());
            try {
                String meter = meter(stripe);
                String customer = customer(stripe, s);
                StripeBilling.PlanPrices prices = prices(stripe, s, version, pricing, meter);
                String subscription = stripe.createSubscription(s.subscriptionId().toString(), customer, prices, period.end());
                pool.preparedQuery("""
                                insert into billing_subscriptions (subscription_id, consumer_id, plan_id, price_version, stripe_subscription_id, status, created_at)
                                values ($1, $2, $3, $4, $5, 'ACTIVE', $6) on conflict do nothing""")
                        .execute(Tuple.tuple(java.util.List.of(s.subscriptionId(), s.consumerId(), s.planId(), version, subscription,
                                now.atOffset(ZoneOffset.UTC)))).await().atMost(DB);
                made++;
            } catch (StripeException e) {
                // Tried again on the next run; the idempotency keys make the retry return what was made.
                LOG.warnf("Stripe refused provisioning subscription %s: %s (%s)", s.subscriptionId(), e.getMessage(), e.getCode());
            }
        }
        return made;
    }

    /** The Stripe customer of a consumer, made on first need. Blocking. */
    String customer(StripeBilling stripe, Charges.Priced s) throws StripeException {
        String known = customerOf(s.consumerId());
        if (known != null) {
            return known;
        }
        String customer = stripe.createCustomer(s.consumerId().toString(), s.consumer(), s.email());
        pool.preparedQuery("insert into billing_customers (consumer_id, stripe_customer_id, created_at) values ($1, $2, now()) on conflict do nothing")
                .execute(Tuple.of(s.consumerId(), customer)).await().atMost(DB);
        return customerOf(s.consumerId());
    }

    String customerOf(UUID consumerId) {
        var rows = pool.preparedQuery("select stripe_customer_id from billing_customers where consumer_id = $1")
                .execute(Tuple.of(consumerId)).await().atMost(DB);
        return rows.size() == 0 ? null : rows.iterator().next().getString(0);
    }

    private String meter(StripeBilling stripe) throws StripeException {
        var rows = pool.preparedQuery("select value from billing_settings where name = 'meter_id'").execute().await().atMost(DB);
        if (rows.size() > 0) {
            return rows.iterator().next().getString(0);
        }
        String meter = stripe.ensureMeter();
        pool.preparedQuery("insert into billing_settings (name, value) values ('meter_id', $1) on conflict do nothing")
                .execute(Tuple.of(meter)).await().atMost(DB);
        return meter;
    }

    /** The meter's id once provisioning made or found it; null before. */
    public String meterId() {
        var rows = pool.preparedQuery("select value from billing_settings where name = 'meter_id'").execute().await().atMost(DB);
        return rows.size() == 0 ? null : rows.iterator().next().getString(0);
    }

    private StripeBilling.PlanPrices prices(StripeBilling stripe, Charges.Priced s, int version, Pricing pricing, String meter) throws StripeException {
        var rows = pool.preparedQuery("select stripe_product_id, stripe_base_price_id, stripe_usage_price_id from billing_prices where plan_id = $1 and version = $2")
                .execute(Tuple.of(s.planId(), version)).await().atMost(DB);
        if (rows.size() > 0) {
            Row r = rows.iterator().next();
            return new StripeBilling.PlanPrices(r.getString(0), r.getString(1), r.getString(2));
        }
        StripeBilling.PlanPrices prices = stripe.createPrices(s.planId().toString(), s.plan(), version, pricing, meter);
        pool.preparedQuery("insert into billing_prices (plan_id, version, stripe_product_id, stripe_base_price_id, stripe_usage_price_id) values ($1, $2, $3, $4, $5) on conflict do nothing")
                .execute(Tuple.of(s.planId(), version, prices.product(), prices.base(), prices.usage())).await().atMost(DB);
        return prices;
    }

    private int versionAt(UUID planId, Instant periodStart) {
        var rows = pool.preparedQuery("select version from plan_prices where plan_id = $1 and effective_from <= $2 order by version desc limit 1")
                .execute(Tuple.of(planId, periodStart.atOffset(ZoneOffset.UTC))).await().atMost(DB);
        return rows.iterator().next().getInteger(0);
    }

}
