package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.StripeBilling;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends due meter events to Stripe, several at once: the billing thread reads a batch of due events and hands them to
 * the Stripe workers ({@link BillingState#inParallel}, at most {@code GATEHOUSE_STRIPE_CONCURRENCY} requests in flight),
 * every send still waiting its turn under the event rate and Stripe's pacer, so a 429 holds back every worker. Events
 * of one Stripe customer on one meter go one after another, in the order they were enqueued: Stripe allows one
 * concurrent meter event call per customer and meter.
 *
 * <p>An event is marked SENT before the call and its outcome recorded after: a crash in between leaves it SENT, and it
 * is sent again (same identifier, same idempotency key) once {@code resendAfter} has passed, which Stripe counts once.
 * Every event of a batch is in exactly one worker's hands, and the next batch is read only when the batch has ended, so
 * no event is ever sent twice at the same time.
 */
@ApplicationScoped
public class MeterEventSender {
    private static final Logger LOG = Logger.getLogger(MeterEventSender.class);
    private static final Duration DB = Duration.ofSeconds(30);
    private static final int BATCH = 500;
    /** A run sends batches while there are due events, but yields this often so payment standing is applied on time. */
    private static final Duration LONGEST_RUN = Duration.ofSeconds(30);

    /** An event due, with the Stripe customer and meter slot of its subscription (null until it is provisioned). */
    record Due(String identifier, String customer, Integer slot, long units, Instant eventTime, int attempts) {
        /** Events that must not be in flight together: one customer's events on one meter. */
        String lane() {
            return customer + "/" + slot;
        }
    }

    @Inject
    Pool pool;
    @Inject
    BillingState state;

    /** Sends what is due at {@code now}; returns how many events Stripe acknowledged. Blocking; on the billing thread. */
    public int sendDue(Instant now) throws InterruptedException {
        int acknowledged = 0;
        long started = System.nanoTime();
        while (true) {
            // Every batch is read with the same "now": events of an earlier batch retried or sent in this run are due
            // after it, so a batch never holds an event of the one before.
            List<Due> due = due(now);
            acknowledged += sendBatch(due);
            if (due.size() < BATCH || System.nanoTime() - started > LONGEST_RUN.toNanos()) {
                return acknowledged;
            }
        }
    }

    private List<Due> due(Instant now) {
        List<Due> due = new ArrayList<>();
        pool.preparedQuery("""
                        select o.identifier, c.stripe_customer_id, coalesce(o.meter_slot, s.meter_slot) as slot, o.units, o.event_time, o.attempts
                        from meter_event_outbox o
                        left join billing_customers c on c.consumer_id = o.consumer_id
                        left join billing_subscriptions s on s.subscription_id = o.subscription_id
                        where (o.state = 'PENDING' and o.next_attempt_at <= $1) or (o.state = 'SENT' and o.sent_at <= $2)
                        order by o.created_at, o.identifier limit $3""")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), now.minus(state.settings().resendAfter()).atOffset(ZoneOffset.UTC), BATCH))
                .await().atMost(DB)
                .forEach(r -> due.add(new Due(r.getString("identifier"), r.getString("stripe_customer_id"), r.getInteger("slot"),
                        r.getLong("units"), r.getOffsetDateTime("event_time").toInstant(), r.getInteger("attempts"))));
        return due;
    }

    private int sendBatch(List<Due> due) throws InterruptedException {
        Map<String, List<Due>> lanes = new LinkedHashMap<>();
        for (Due event : due) {
            if (event.customer() == null || event.slot() == null) {
                // Not provisioned yet (its customer and Stripe subscription are made on the billing thread's next metering run).
                pool.preparedQuery("update meter_event_outbox set next_attempt_at = $2 where identifier = $1")
                        .execute(Tuple.of(event.identifier(), Instant.now().plus(state.settings().retryFirst()).atOffset(ZoneOffset.UTC)))
                        .await().atMost(DB);
                continue;
            }
            lanes.computeIfAbsent(event.lane(), l -> new ArrayList<>()).add(event);
        }
        AtomicInteger acknowledged = new AtomicInteger();
        List<BillingState.StripeTask> tasks = new ArrayList<>(lanes.size());
        for (List<Due> lane : lanes.values()) {
            tasks.add(() -> {
                for (Due event : lane) {
                    if (send(event)) {
                        acknowledged.incrementAndGet();
                    }
                }
            });
        }
        state.inParallel(tasks);
        return acknowledged.get();
    }

    /** One event: marked SENT, posted, its outcome recorded. True when Stripe has it. On a Stripe worker. */
    private boolean send(Due event) throws InterruptedException {
        state.pacing().acquire();
        Instant sentAt = Instant.now();
        pool.preparedQuery("""
                        update meter_event_outbox set state = 'SENT', sent_at = $2, attempts = attempts + 1, stripe_customer_id = $3, meter_slot = $4
                        where identifier = $1 and state in ('PENDING', 'SENT')""")
                .execute(Tuple.of(event.identifier(), sentAt.atOffset(ZoneOffset.UTC), event.customer(), event.slot())).await().atMost(DB);
        StripeBilling.Outcome outcome = state.stripe().sendMeterEvent(event.identifier(), event.slot(), event.customer(), event.units(),
                event.eventTime(), sentAt);
        Instant at = Instant.now();
        if (outcome instanceof StripeBilling.Outcome.Acknowledged) {
            acknowledge(event.identifier(), at, null);
            return true;
        } else if (outcome instanceof StripeBilling.Outcome.AlreadyRecorded a) {
            acknowledge(event.identifier(), at, a.message());
            return true;
        } else if (outcome instanceof StripeBilling.Outcome.Retry r) {
            Instant next = state.pacing().nextAttempt(at, event.attempts() + 1, r.retryAfter());
            pool.preparedQuery("update meter_event_outbox set state = 'PENDING', next_attempt_at = $2, error_code = $3, error_message = $4 where identifier = $1 and state = 'SENT'")
                    .execute(Tuple.of(event.identifier(), next.atOffset(ZoneOffset.UTC), r.code(), r.message())).await().atMost(DB);
        } else if (outcome instanceof StripeBilling.Outcome.Failed f) {
            LOG.warnf("Stripe refused meter event %s for good: %s %s", event.identifier(), f.code(), f.message());
            pool.preparedQuery("update meter_event_outbox set state = 'FAILED', error_code = $2, error_message = $3, stale = $4 where identifier = $1 and state = 'SENT'")
                    .execute(Tuple.of(event.identifier(), f.code(), f.message(), "timestamp_too_old".equals(f.code()))).await().atMost(DB);
        }
        return false;
    }

    private void acknowledge(String identifier, Instant at, String note) {
        pool.preparedQuery("update meter_event_outbox set state = 'ACKNOWLEDGED', acknowledged_at = $2, error_code = null, error_message = $3 where identifier = $1 and state = 'SENT'")
                .execute(Tuple.of(identifier, at.atOffset(ZoneOffset.UTC), note)).await().atMost(DB);
    }
}
