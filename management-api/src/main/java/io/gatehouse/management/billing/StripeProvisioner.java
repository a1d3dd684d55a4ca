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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the Stripe objects paid subscriptions need, from the billing thread on the Stripe workers (Stripe calls block;
 * {@link BillingState#inParallel}): a customer per consumer on its first paid subscription, a meter slot for each paid
 * subscription (the lowest no other live subscription of the consumer holds: a Stripe meter sums per customer, so two
 * subscriptions of one consumer must not share one), the slot's meter, a product and prices per plan price version
 * and slot, and a Stripe subscription per paid subscription.
 * Each create carries an idempotency key made from Gatehouse ids and its result is stored after; a crash between the
 * two makes the next run get the same object back from Stripe. A consumer's subscriptions are provisioned oldest
 * first, so the slot a subscription gets after a crash is the one it was getting before.
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

    /**
     * Provisions what is missing; returns how many Stripe subscriptions it made. Blocking; on the billing thread. Consumers
     * are provisioned several at once on the Stripe workers (each consumer's subscriptions one after another, oldest
     * first, so its customer is made once and its slots are taken in order); the objects consumers share, meters and
     * prices, are made once by whichever worker needs them first while the others wait for it.
     */
    public int provision(Instant now) throws InterruptedException {
        StripeBilling stripe = state.stripe();
        AtomicInteger made = new AtomicInteger();
        Map<UUID, Provisioned> provisioned = new HashMap<>();
        pool.query("select subscription_id, stripe_subscription_id, plan_id, price_version, meter_slot, status from billing_subscriptions")
                .execute().await().atMost(DB).forEach(r -> provisioned.put(r.getUUID(0), new Provisioned(r.getString(1), r.getUUID(2),
                        r.getInteger(3), r.getInteger(4), r.getString(5))));
        List<Charges.Priced> subscriptions = new ArrayList<>(charges.subscriptions(null).await().atMost(DB));
        subscriptions.sort(Comparator.comparing(Charges.Priced::createdAt).thenComparing(Charges.Priced::subscriptionId));
        Map<UUID, List<Charges.Priced>> byConsumer = new LinkedHashMap<>();
        for (Charges.Priced s : subscriptions) {
            if (!"ACTIVE".equals(s.status())) {
                continue;
            }
            Charges.Version effective = Charges.versionOf(s, QuotaPeriod.containing(now, s.anchor()));
            if (effective == null || !effective.pricing().paid()) {
                continue;
            }
            Provisioned known = provisioned.get(s.subscriptionId());
            if (known != null && !("ACTIVE".equals(known.status()) && (!known.planId().equals(s.planId()) || known.version() < effective.number()))) {
                continue;
            }
            byConsumer.computeIfAbsent(s.consumerId(), c -> new ArrayList<>()).add(s);
        }
        Shared shared = new Shared(stripe);
        List<BillingState.StripeTask> tasks = new ArrayList<>(byConsumer.size());
        for (List<Charges.Priced> ofConsumer : byConsumer.values()) {
            tasks.add(() -> {
                for (Charges.Priced s : ofConsumer) {
                    if (provisionOne(stripe, shared, s, provisioned.get(s.subscriptionId()), now)) {
                        made.incrementAndGet();
                    }
                }
            });
        }
        state.inParallel(tasks);
        return made.get();
    }

    /** One subscription: moved to its new plan or prices when known, else its Stripe objects made. True when made. */
    private boolean provisionOne(StripeBilling stripe, Shared shared, Charges.Priced s, Provisioned known, Instant now) {
        QuotaPeriod period = QuotaPeriod.containing(now, s.anchor());
        Charges.Version effective = Charges.versionOf(s, period);
        Pricing pricing = effective.pricing();
        int version = effective.number();
        if (known != null) {
            if (!known.planId().equals(s.planId())) {
                newPlan(stripe, shared, s, known, version, pricing);
            } else {
                newPrices(stripe, shared, s, known, version, pricing);
            }
            return false;
        }
        try {
            String customer = customer(stripe, s);
            int slot = freeSlot(s.consumerId());
            String meter = shared.meter(slot);
            StripeBilling.PlanPrices prices = shared.prices(s, version, slot, pricing, meter);
            String subscription = stripe.createSubscription(s.subscriptionId().toString(), customer, prices, slot, period.end());
            pool.preparedQuery("""
                            insert into billing_subscriptions (subscription_id, consumer_id, plan_id, price_version, stripe_subscription_id, status,
                                created_at, meter_slot)
                            values ($1, $2, $3, $4, $5, 'ACTIVE', $6, $7) on conflict do nothing""")
                    .execute(Tuple.tuple(List.of(s.subscriptionId(), s.consumerId(), s.planId(), version, subscription,
                            now.atOffset(ZoneOffset.UTC), slot))).await().atMost(DB);
            return true;
        } catch (StripeException e) {
            // Tried again on the next run; the idempotency keys make the retry return what was made.
            LOG.warnf("Stripe refused provisioning subscription %s: %s (%s)", s.subscriptionId(), e.getMessage(), e.getCode());
            return false;
        }
    }

    /**
     * The Stripe objects many consumers' subscriptions share, made or looked up once per run: the meter of a slot, the
     * prices of a plan's price version on a slot. Stripe answers two concurrent requests with one idempotency key with
     * 409, so one worker makes each while the others needing it wait.
     */
    private final class Shared {
        private final StripeBilling stripe;
        private final Map<Integer, String> meters = new HashMap<>();
        private final Map<String, StripeBilling.PlanPrices> prices = new HashMap<>();

        Shared(StripeBilling stripe) {
            this.stripe = stripe;
        }

        synchronized String meter(int slot) throws StripeException {
            String known = meters.get(slot);
            if (known == null) {
                known = StripeProvisioner.this.meter(stripe, slot);
                meters.put(slot, known);
            }
            return known;
        }

        synchronized StripeBilling.PlanPrices prices(Charges.Priced s, int version, int slot, Pricing pricing, String meter) throws StripeException {
            String key = s.planId() + "/" + version + "/" + slot;
            StripeBilling.PlanPrices known = prices.get(key);
            if (known == null) {
                known = StripeProvisioner.this.prices(stripe, s, version, slot, pricing, meter);
                prices.put(key, known);
            }
            return known;
        }
    }

    /** What Gatehouse recorded of a Stripe subscription it made. */
    private record Provisioned(String stripeSubscriptionId, UUID planId, int version, int slot, String status) {
    }

    /**
     * A price version whose first period has begun for this subscription: its Stripe subscription moves to the
     * version's prices (on the same meter slot), so Stripe invoices this period as Gatehouse rates it.
     */
    private void newPrices(StripeBilling stripe, Shared shared, Charges.Priced s, Provisioned known, int version, Pricing pricing) {
        try {
            var rows = pool.preparedQuery("""
                            select stripe_product_id, stripe_base_price_id, stripe_usage_price_id from billing_prices
                            where plan_id = $1 and version = $2 and meter_slot = $3""")
                    .execute(Tuple.of(known.planId(), known.version(), known.slot())).await().atMost(DB);
            if (rows.size() == 0) {
                LOG.warnf("no Stripe prices recorded for plan %s version %d slot %d; subscription %s keeps its prices",
                        known.planId(), known.version(), known.slot(), s.subscriptionId());
                return;
            }
            Row r = rows.iterator().next();
            StripeBilling.PlanPrices from = new StripeBilling.PlanPrices(r.getString(0), r.getString(1), r.getString(2));
            StripeBilling.PlanPrices to = shared.prices(s, version, known.slot(), pricing, shared.meter(known.slot()));
            stripe.changePrices(known.stripeSubscriptionId(), s.subscriptionId().toString(), from, to, version);
            pool.preparedQuery("update billing_subscriptions set price_version = $2 where subscription_id = $1 and price_version < $2")
                    .execute(Tuple.of(s.subscriptionId(), version)).await().atMost(DB);
            LOG.infof("subscription %s: Stripe subscription %s moved to price version %d", s.subscriptionId(), known.stripeSubscriptionId(), version);
        } catch (StripeException e) {
            LOG.warnf("Stripe refused moving subscription %s to price version %d: %s (%s); tried again next run",
                    s.subscriptionId(), version, e.getMessage(), e.getCode());
        }
    }

    /**
     * A subscription moved to another paid plan: its Stripe subscription's items move to that plan's prices (the
     * version in effect for its period, on the same meter slot) with Stripe's proration of the base price. The
     * idempotency key carries the number of the subscription's plan change (its count in the append-only change
     * history), so a crash repeats the same request and a later change is a new one.
     */
    private void newPlan(StripeBilling stripe, Shared shared, Charges.Priced s, Provisioned known, int version, Pricing pricing) {
        try {
            StripeBilling.PlanPrices from = recordedPrices(known.planId(), known.version(), known.slot());
            if (from == null) {
                LOG.warnf("no Stripe prices recorded for plan %s version %d slot %d; subscription %s keeps its Stripe prices",
                        known.planId(), known.version(), known.slot(), s.subscriptionId());
                return;
            }
            long change = pool.preparedQuery("select count(*) from change_records where entity_id = $1 and action = 'change_plan'")
                    .execute(Tuple.of(s.subscriptionId().toString())).await().atMost(DB).iterator().next().getLong(0);
            StripeBilling.PlanPrices to = shared.prices(s, version, known.slot(), pricing, shared.meter(known.slot()));
            boolean sent = stripe.changePlan(known.stripeSubscriptionId(), s.subscriptionId().toString(), from, to, s.planId().toString(), version, change);
            pool.preparedQuery("update billing_subscriptions set plan_id = $2, price_version = $3 where subscription_id = $1 and status = 'ACTIVE'")
                    .execute(Tuple.of(s.subscriptionId(), s.planId(), version)).await().atMost(DB);
            LOG.infof("subscription %s: Stripe subscription %s moved to plan %s version %d (%s)", s.subscriptionId(), known.stripeSubscriptionId(),
                    s.planId(), version, sent ? "changed" : "already changed");
        } catch (StripeException e) {
            LOG.warnf("Stripe refused moving subscription %s to plan %s: %s (%s); tried again next run",
                    s.subscriptionId(), s.planId(), e.getMessage(), e.getCode());
        }
    }

    /**
     * Cancels the Stripe subscription of each subscription that ended: closed at least {@code cancelAfter} ago (the
     * nodes' last usage reports have arrived and been metered), or moved to a plan without a price, once every meter
     * event of it has been answered by Stripe (none pending or in flight), so the final invoice Stripe makes at the
     * cancel holds all of the last period's usage. Run after metering: overage metered in this run is pending and
     * waits for the next run. Returns how many were cancelled. Blocking; the cancels run several at once on the Stripe
     * workers.
     */
    public int cancelEnded(Instant now) throws InterruptedException {
        StripeBilling stripe = state.stripe();
        Instant closedBefore = now.minus(state.settings().cancelAfter());
        List<Row> ended = new ArrayList<>();
        pool.preparedQuery("""
                        select bs.subscription_id, bs.stripe_subscription_id from billing_subscriptions bs
                        join subscriptions s on s.id = bs.subscription_id
                        where bs.status = 'ACTIVE'
                          and ((s.status = 'CLOSED' and s.cancelled_at <= $1)
                               or (s.status <> 'CLOSED' and s.plan_id <> bs.plan_id
                                   and not exists (select 1 from plan_prices pp where pp.plan_id = s.plan_id
                                                   and (pp.base_price > 0 or pp.unit_price > 0 or pp.tiers is not null))))
                          and not exists (select 1 from meter_event_outbox o where o.subscription_id = bs.subscription_id
                                          and o.state in ('PENDING', 'SENT'))
                        order by s.cancelled_at nulls last, bs.subscription_id""")
                .execute(Tuple.of(closedBefore.atOffset(ZoneOffset.UTC))).await().atMost(DB).forEach(ended::add);
        AtomicInteger cancelled = new AtomicInteger();
        List<BillingState.StripeTask> tasks = new ArrayList<>(ended.size());
        for (Row r : ended) {
            UUID subscription = r.getUUID(0);
            String stripeSubscription = r.getString(1);
            tasks.add(() -> {
                try {
                    boolean sent = stripe.cancelSubscription(stripeSubscription, subscription.toString());
                    pool.preparedQuery("update billing_subscriptions set status = 'DELETED', deleted_at = $2 where subscription_id = $1 and status = 'ACTIVE'")
                            .execute(Tuple.of(subscription, now.atOffset(ZoneOffset.UTC))).await().atMost(DB);
                    LOG.infof("subscription %s ended: Stripe subscription %s %s", subscription, stripeSubscription,
                            sent ? "cancelled with a final invoice" : "was already cancelled");
                    cancelled.incrementAndGet();
                } catch (StripeException e) {
                    LOG.warnf("Stripe refused cancelling subscription %s (%s): %s (%s); tried again next run",
                            subscription, stripeSubscription, e.getMessage(), e.getCode());
                }
            });
        }
        state.inParallel(tasks);
        return cancelled.get();
    }

    private StripeBilling.PlanPrices recordedPrices(UUID planId, int version, int slot) {
        var rows = pool.preparedQuery("""
                        select stripe_product_id, stripe_base_price_id, stripe_usage_price_id from billing_prices
                        where plan_id = $1 and version = $2 and meter_slot = $3""")
                .execute(Tuple.of(planId, version, slot)).await().atMost(DB);
        if (rows.size() == 0) {
            return null;
        }
        Row r = rows.iterator().next();
        return new StripeBilling.PlanPrices(r.getString(0), r.getString(1), r.getString(2));
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

    /**
     * The lowest slot no other subscription of the consumer may still send events to: one whose Stripe subscription
     * is active, or whose Gatehouse subscription still runs (its Stripe subscription deleted, its usage still metered).
     */
    private int freeSlot(UUID consumerId) {
        Set<Integer> held = new HashSet<>();
        pool.preparedQuery("""
                        select bs.meter_slot from billing_subscriptions bs left join subscriptions s on s.id = bs.subscription_id
                        where bs.consumer_id = $1 and (bs.status = 'ACTIVE' or s.status in ('PENDING', 'ACTIVE', 'SUSPENDED'))""")
                .execute(Tuple.of(consumerId)).await().atMost(DB).forEach(r -> held.add(r.getInteger(0)));
        int slot = 1;
        while (held.contains(slot)) {
            slot++;
        }
        return slot;
    }

    /** The Stripe meter of a slot, made or found on first need. */
    private String meter(StripeBilling stripe, int slot) throws StripeException {
        String known = meters().get(slot);
        if (known != null) {
            return known;
        }
        String meter = stripe.ensureMeter(slot);
        pool.preparedQuery("insert into billing_meters (slot, event_name, stripe_meter_id) values ($1, $2, $3) on conflict do nothing")
                .execute(Tuple.of(slot, StripeBilling.eventName(slot), meter)).await().atMost(DB);
        return meter;
    }

    /** The Stripe meter of each slot made so far (empty before the first paid subscription). */
    public Map<Integer, String> meters() {
        Map<Integer, String> meters = new TreeMap<>();
        pool.query("select slot, stripe_meter_id from billing_meters").execute().await().atMost(DB)
                .forEach(r -> meters.put(r.getInteger(0), r.getString(1)));
        return meters;
    }

    private StripeBilling.PlanPrices prices(StripeBilling stripe, Charges.Priced s, int version, int slot, Pricing pricing, String meter) throws StripeException {
        var rows = pool.preparedQuery("""
                        select stripe_product_id, stripe_base_price_id, stripe_usage_price_id from billing_prices
                        where plan_id = $1 and version = $2 and meter_slot = $3""")
                .execute(Tuple.of(s.planId(), version, slot)).await().atMost(DB);
        if (rows.size() > 0) {
            Row r = rows.iterator().next();
            return new StripeBilling.PlanPrices(r.getString(0), r.getString(1), r.getString(2));
        }
        StripeBilling.PlanPrices prices = stripe.createPrices(s.planId().toString(), s.plan(), version, slot, pricing, meter);
        pool.preparedQuery("""
                        insert into billing_prices (plan_id, version, meter_slot, stripe_product_id, stripe_base_price_id, stripe_usage_price_id)
                        values ($1, $2, $3, $4, $5, $6) on conflict do nothing""")
                .execute(Tuple.tuple(java.util.Arrays.asList(s.planId(), version, slot, prices.product(), prices.base(), prices.usage())))
                .await().atMost(DB);
        return prices;
    }


}
