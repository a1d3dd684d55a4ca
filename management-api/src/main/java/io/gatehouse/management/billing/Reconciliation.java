package io.gatehouse.management.billing;

import com.stripe.exception.StripeException;
import io.gatehouse.billing.stripe.StripeBilling;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Our metered units against Stripe's meter event summaries, per customer and month (by event time, which is what
 * Stripe buckets by). The difference is what Gatehouse counts as acknowledged less what Stripe's meters hold: zero
 * when they agree; otherwise every difference is named, meter by meter (a customer's subscriptions are on meters of
 * their own), together with what is still on its way or was refused, and subscription changes not yet made at Stripe
 * (a plan change or a close the next metering run pushes).
 */
@ApplicationScoped
public class Reconciliation {

    /**
     * One customer's month.
     *
     * @param enqueued     overage units Gatehouse put in the outbox for the month
     * @param acknowledged of those, units Stripe acknowledged
     * @param inFlight     units pending or sent without an answer yet
     * @param failed       units Stripe refused for good (stale ones included)
     * @param stripe       Stripe's meter total for the customer; null when it could not be read
     * @param difference   acknowledged − stripe (0 when they agree)
     * @param findings     every difference and open item, in words
     */
    public record Line(String consumerId, String consumer, String stripeCustomerId, String month, long enqueued, long acknowledged,
                       long inFlight, long failed, Long stripe, Long difference, List<String> findings) {
    }

    public record Report(String month, boolean stripeEnabled, boolean balanced, long totalDifference, List<Line> lines) {
    }

    @Inject
    Pool pool;
    @Inject
    BillingState state;
    @Inject
    StripeProvisioner provisioner;

    public Uni<Report> month(YearMonth month) {
        Instant start = BillingPeriods.start(month);
        Instant end = BillingPeriods.end(month);
        return pool.preparedQuery("""
                        select bc.consumer_id, c.username, bc.stripe_customer_id,
                               coalesce(sum(o.units), 0) as enqueued,
                               coalesce(sum(o.units) filter (where o.state = 'ACKNOWLEDGED'), 0) as acknowledged,
                               coalesce(sum(o.units) filter (where o.state in ('PENDING', 'SENT')), 0) as in_flight,
                               coalesce(sum(o.units) filter (where o.state = 'FAILED'), 0) as failed,
                               string_agg(distinct o.error_code, ', ') filter (where o.state = 'FAILED') as failures,
                               (select coalesce(array_agg(distinct s.meter_slot), '{}') from billing_subscriptions s
                                 where s.consumer_id = bc.consumer_id) as slots,
                               coalesce(array_agg(o.meter_slot) filter (where o.state = 'ACKNOWLEDGED'), '{}') as acknowledged_slots,
                               coalesce(array_agg(o.units) filter (where o.state = 'ACKNOWLEDGED'), '{}') as acknowledged_units,
                               (select coalesce(array_agg(case when s.status = 'CLOSED'
                                            then 'Subscription ' || s.id || ' is closed; its Stripe subscription ' || bs.stripe_subscription_id
                                                 || ' is not cancelled yet (after its last events are answered).'
                                            else 'Subscription ' || s.id || ' moved to another plan; its Stripe subscription '
                                                 || bs.stripe_subscription_id || ' is not moved yet.' end order by s.id), '{}')
                                 from billing_subscriptions bs join subscriptions s on s.id = bs.subscription_id
                                 where bs.consumer_id = bc.consumer_id and bs.status = 'ACTIVE'
                                   and (s.status = 'CLOSED' or s.plan_id <> bs.plan_id)) as stripe_changes_due
                        from billing_customers bc
                        join consumers c on c.id = bc.consumer_id
                        left join meter_event_outbox o on o.consumer_id = bc.consumer_id and o.event_time >= $1 and o.event_time < $2
                        group by bc.consumer_id, c.username, bc.stripe_customer_id
                        order by c.username""")
                .execute(Tuple.of(start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    return list;
                })
                .chain(rows -> Uni.createFrom().item(() -> compare(month, start, end, rows)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /** Blocking: reads Stripe's summaries. */
    private Report compare(YearMonth month, Instant start, Instant end, List<Row> rows) {
        boolean enabled = state.stripeEnabled();
        java.util.Map<Integer, String> meters = enabled ? provisioner.meters() : java.util.Map.of();
        List<Line> lines = new ArrayList<>();
        long totalDifference = 0;
        boolean balanced = true;
        for (Row r : rows) {
            long enqueued = r.getLong("enqueued");
            long acknowledged = r.getLong("acknowledged");
            long inFlight = r.getLong("in_flight");
            long failed = r.getLong("failed");
            // Acknowledged units per meter slot, and every slot the customer's subscriptions are on.
            java.util.Map<Integer, Long> bySlot = new java.util.TreeMap<>();
            for (Integer slot : r.getArrayOfIntegers("slots")) {
                bySlot.put(slot, 0L);
            }
            Integer[] ackSlots = r.getArrayOfIntegers("acknowledged_slots");
            Long[] ackUnits = r.getArrayOfLongs("acknowledged_units");
            for (int i = 0; i < ackSlots.length; i++) {
                bySlot.merge(ackSlots[i] == null ? 1 : ackSlots[i], ackUnits[i], Long::sum);
            }
            List<String> findings = new ArrayList<>();
            Long stripe = null;
            boolean meterMismatch = false;
            if (enabled && !meters.isEmpty()) {
                try {
                    long sum = 0;
                    for (var slot : bySlot.entrySet()) {
                        String meter = meters.get(slot.getKey());
                        BigDecimal atStripe = BigDecimal.ZERO;
                        if (meter != null) {
                            for (StripeBilling.Summary s : state.stripe().summaries(meter, r.getString("stripe_customer_id"), start, end)) {
                                atStripe = atStripe.add(s.value());
                            }
                        }
                        long units = atStripe.longValueExact();
                        sum += units;
                        if (bySlot.size() > 1 && units != slot.getValue()) {
                            meterMismatch = true;
                            findings.add("Meter " + StripeBilling.eventName(slot.getKey()) + ": Gatehouse acknowledged " + slot.getValue()
                                    + " units, Stripe holds " + units + ".");
                        }
                    }
                    stripe = sum;
                } catch (StripeException | ArithmeticException e) {
                    findings.add("Stripe's meter summary could not be read: " + e.getMessage());
                }
            } else {
                findings.add(enabled ? "No meter exists in Stripe yet." : "Billing runs without a Stripe key: nothing was sent.");
            }
            Long difference = stripe == null ? null : acknowledged - stripe;
            if (difference != null && difference > 0) {
                findings.add("Stripe's meter holds " + difference + " units fewer than Gatehouse's acknowledged events: events lost at Stripe.");
            } else if (difference != null && difference < 0) {
                findings.add("Stripe's meter holds " + (-difference) + " units more than Gatehouse's acknowledged events: events Gatehouse did not send, or sent twice.");
            }
            if (inFlight > 0) {
                findings.add(inFlight + " units on their way to Stripe (pending or awaiting an answer).");
            }
            if (failed > 0) {
                findings.add(failed + " units refused by Stripe (" + r.getString("failures") + "): bill them by hand.");
            }
            // Open items like units in flight: the next metering run pushes them (plan changes, cancels).
            findings.addAll(List.of(r.getArrayOfStrings("stripe_changes_due")));
            if (difference == null || difference != 0 || meterMismatch) {
                balanced = false;
            }
            totalDifference += difference == null ? 0 : difference;
            lines.add(new Line(r.getUUID("consumer_id").toString(), r.getString("username"), r.getString("stripe_customer_id"), month.toString(),
                    enqueued, acknowledged, inFlight, failed, stripe, difference, findings));
        }
        return new Report(month.toString(), enabled, balanced && enabled, totalDifference, lines);
    }
}
