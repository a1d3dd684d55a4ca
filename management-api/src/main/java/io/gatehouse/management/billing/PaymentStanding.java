package io.gatehouse.management.billing;

import io.gatehouse.management.consumers.ConsumerEntity;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
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
 * A consumer's payment standing and what it does to its keys. A failed invoice puts the consumer PAST_DUE with a
 * suspension time (now + grace period); once that passes unpaid, the consumer is suspended
 * ({@code consumers.suspended_reason = 'payment_failed'}) through {@link ConfigChanges}, the write path that records
 * the change and publishes it to the gateways. A paid invoice puts it back in GOOD standing and lifts a payment
 * suspension on the next check (the webhook asks for one at once). A suspension for another reason is never lifted here.
 */
@ApplicationScoped
public class PaymentStanding {
    private static final Logger LOG = Logger.getLogger(PaymentStanding.class);
    private static final Duration DB = Duration.ofSeconds(30);
    /** The suspension reason billing sets, and the only one it lifts. */
    public static final String PAYMENT_FAILED = "payment_failed";

    @Inject
    Pool pool;
    @Inject
    ConfigChanges changes;
    @Inject
    BillingState state;

    /** The first failure starts the grace period; later failures of the same episode do not extend it. */
    Uni<Void> paymentFailed(SqlClient tx, UUID consumerId, String invoiceId, Instant now) {
        Instant suspendAt = now.plus(state.settings().gracePeriod());
        return tx.preparedQuery("""
                        insert into billing_payment_standing (consumer_id, state, stripe_invoice_id, failed_at, suspend_at, updated_at)
                        values ($1, 'PAST_DUE', $2, $3, $4, $3)
                        on conflict (consumer_id) do update set
                            stripe_invoice_id = excluded.stripe_invoice_id,
                            failed_at = case when billing_payment_standing.state = 'PAST_DUE' then billing_payment_standing.failed_at else excluded.failed_at end,
                            suspend_at = case when billing_payment_standing.state = 'PAST_DUE' then billing_payment_standing.suspend_at else excluded.suspend_at end,
                            state = 'PAST_DUE', updated_at = excluded.updated_at""")
                .execute(Tuple.of(consumerId, invoiceId, now.atOffset(ZoneOffset.UTC), suspendAt.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    Uni<Void> paid(SqlClient tx, UUID consumerId, String invoiceId, Instant now) {
        return tx.preparedQuery("""
                        insert into billing_payment_standing (consumer_id, state, stripe_invoice_id, updated_at) values ($1, 'GOOD', $2, $3)
                        on conflict (consumer_id) do update set state = 'GOOD', stripe_invoice_id = excluded.stripe_invoice_id,
                            failed_at = null, suspend_at = null, updated_at = excluded.updated_at""")
                .execute(Tuple.of(consumerId, invoiceId, now.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    /**
     * Suspends consumers whose grace period has passed and lifts payment suspensions of consumers in good standing.
     * Blocking: runs on the billing thread, outside any request, so the change records name the system as the actor.
     * Returns how many consumers changed.
     */
    public int enforce(Instant now) {
        List<UUID> suspend = ids("""
                select c.id from consumers c join billing_payment_standing s on s.consumer_id = c.id
                where s.state = 'PAST_DUE' and s.suspend_at <= $1 and c.suspended_reason is null""", now);
        List<UUID> lift = ids("""
                select c.id from consumers c left join billing_payment_standing s on s.consumer_id = c.id
                where c.suspended_reason = 'payment_failed' and (s.state is null or s.state = 'GOOD') and $1::timestamptz is not null""", now);
        int changed = 0;
        for (UUID id : suspend) {
            changed += set(id, PAYMENT_FAILED, "suspend") ? 1 : 0;
        }
        for (UUID id : lift) {
            changed += set(id, null, "lift_suspension") ? 1 : 0;
        }
        return changed;
    }

    private boolean set(UUID consumerId, String reason, String action) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> changes.commit(log -> ConsumerEntity.<ConsumerEntity>findById(consumerId).map(c -> {
                // Read again inside the change: someone may have changed the reason since the query.
                boolean applies = c != null && (reason == null ? PAYMENT_FAILED.equals(c.suspendedReason) : c.suspendedReason == null);
                if (applies) {
                    var before = log.fields(c);
                    c.suspendedReason = reason;
                    log.changed(action, before, c);
                }
                return applies;
            })));
        } catch (Throwable e) {
            LOG.errorf(e, "could not %s consumer %s; the next check tries again", action, consumerId);
            return false;
        }
    }

    private List<UUID> ids(String sql, Instant now) {
        List<UUID> out = new ArrayList<>();
        pool.preparedQuery(sql).execute(Tuple.of(now.atOffset(ZoneOffset.UTC))).await().atMost(DB).forEach(r -> out.add(r.getUUID(0)));
        return out;
    }
}
