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
import java.util.List;
import java.util.UUID;

/**
 * Sends due meter events to Stripe, one at a time under the send rate, on the billing thread. An event is marked SENT
 * before the call and its outcome recorded after: a crash in between leaves it SENT, and it is sent again (same
 * identifier, same idempotency key) once {@code resendAfter} has passed, which Stripe counts once.
 */
@ApplicationScoped
public class MeterEventSender {
    private static final Logger LOG = Logger.getLogger(MeterEventSender.class);
    private static final Duration DB = Duration.ofSeconds(30);
    private static final int BATCH = 500;

    record Due(String identifier, UUID consumerId, long units, Instant eventTime, int attempts) {
    }

    @Inject
    Pool pool;
    @Inject
    BillingState state;
    @Inject
    StripeProvisioner provisioner;

    /** Sends what is due now; returns how many events Stripe acknowledged. Blocking. */
    public int sendDue(Instant now) throws InterruptedException {
        List<Due> due = new ArrayList<>();
        pool.preparedQuery("""
                        select identifier, consumer_id, units, event_time, attempts from meter_event_outbox
                        where (state = 'PENDING' and next_attempt_at <= $1) or (state = 'SENT' and sent_at <= $2)
                        order by created_at, identifier limit $3""")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), now.minus(state.settings().resendAfter()).atOffset(ZoneOffset.UTC), BATCH))
                .await().atMost(DB)
                .forEach(r -> due.add(new Due(r.getString("identifier"), r.getUUID("consumer_id"), r.getLong("units"),
                        r.getOffsetDateTime("event_time").toInstant(), r.getInteger("attempts"))));
        int acknowledged = 0;
        for (Due event : due) {
            String customer = provisioner.customerOf(event.consumerId());
            if (customer == null) {
                // Not provisioned yet (its customer is made on this thread's next provisioning run).
                record(event.identifier(), "update meter_event_outbox set next_attempt_at = $2 where identifier = $1",
                        Instant.now().plus(state.settings().retryFirst()));
                continue;
            }
            state.pacing().acquire();
            Instant sentAt = Instant.now();
            pool.preparedQuery("update meter_event_outbox set state = 'SENT', sent_at = $2, attempts = attempts + 1, stripe_customer_id = $3 where identifier = $1 and state in ('PENDING', 'SENT')")
                    .execute(Tuple.of(event.identifier(), sentAt.atOffset(ZoneOffset.UTC), customer)).await().atMost(DB);
            StripeBilling.Outcome outcome = state.stripe().sendMeterEvent(event.identifier(), customer, event.units(), event.eventTime(), sentAt);
            Instant at = Instant.now();
            if (outcome instanceof StripeBilling.Outcome.Acknowledged) {
                acknowledge(event.identifier(), at, null);
                acknowledged++;
            } else if (outcome instanceof StripeBilling.Outcome.AlreadyRecorded a) {
                acknowledge(event.identifier(), at, a.message());
                acknowledged++;
            } else if (outcome instanceof StripeBilling.Outcome.Retry r) {
                Instant next = state.pacing().nextAttempt(at, event.attempts() + 1, r.retryAfter());
                pool.preparedQuery("update meter_event_outbox set state = 'PENDING', next_attempt_at = $2, error_code = $3, error_message = $4 where identifier = $1 and state = 'SENT'")
                        .execute(Tuple.of(event.identifier(), next.atOffset(ZoneOffset.UTC), r.code(), r.message())).await().atMost(DB);
            } else if (outcome instanceof StripeBilling.Outcome.Failed f) {
                LOG.warnf("Stripe refused meter event %s for good: %s %s", event.identifier(), f.code(), f.message());
                pool.preparedQuery("update meter_event_outbox set state = 'FAILED', error_code = $2, error_message = $3, stale = $4 where identifier = $1 and state = 'SENT'")
                        .execute(Tuple.of(event.identifier(), f.code(), f.message(), "timestamp_too_old".equals(f.code()))).await().atMost(DB);
            }
        }
        return acknowledged;
    }

    private void acknowledge(String identifier, Instant at, String note) {
        pool.preparedQuery("update meter_event_outbox set state = 'ACKNOWLEDGED', acknowledged_at = $2, error_code = null, error_message = $3 where identifier = $1 and state = 'SENT'")
                .execute(Tuple.of(identifier, at.atOffset(ZoneOffset.UTC), note)).await().atMost(DB);
    }

    private void record(String identifier, String sql, Instant at) {
        pool.preparedQuery(sql).execute(Tuple.of(identifier, at.atOffset(ZoneOffset.UTC))).await().atMost(DB);
    }
}
