package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.MeterEventId;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Puts new overage into the outbox: for each paid SOFT-quota subscription, the period's overage (rated from stored
 * usage) less what is already enqueued becomes one meter event with the next sequence. The difference is taken under
 * the period row's lock in the transaction that adds the event, so runs that overlap, repeat or follow a crash never
 * enqueue a unit twice: the outbox holds every overage unit exactly once, and the identifier makes Stripe count each
 * event once.
 */
@ApplicationScoped
public class OverageMeter {
    private static final Logger LOG = Logger.getLogger(OverageMeter.class);
    /** Usage reports may count hours up to 8 days back (NodeMessageRules), so the previous period is still looked at. */
    static final Duration LATE_USAGE = Duration.ofDays(8);

    @Inject
    Pool pool;
    @Inject
    Charges charges;

    /** Enqueues what is new; returns the number of events added. */
    public Uni<Integer> enqueue(Instant now) {
        long started = System.nanoTime();
        return charges.subscriptions(null).chain(subs -> {
            List<Charges.Priced> soft = subs.stream().filter(s -> "SOFT".equals(s.quotaMode())).toList();
            return charges.periodsOf(soft, s -> QuotaPeriod.containing(now, s.anchor()))
                    .chain(current -> charges.periodsOf(soft, s -> QuotaPeriod.containing(now.minus(LATE_USAGE), s.anchor()))
                            .map(late -> {
                                List<ChargeRow> all = new ArrayList<>(current);
                                Set<String> seen = new HashSet<>();
                                current.forEach(c -> seen.add(c.subscriptionId() + "@" + c.periodStart()));
                                late.stream().filter(l -> !seen.contains(l.subscriptionId() + "@" + l.periodStart())).forEach(all::add);
                                return all;
                            }));
        }).chain(rows -> {
            long rated = System.nanoTime();
            return sumInTurn(rows.stream().filter(row -> row.sent() && row.overageUnits() > 0).toList(), row -> enqueue(row, now))
                    .invoke(events -> {
                        if (events > 0) {
                            LOG.infof("metering: %d subscription periods read and rated in %d ms, %d meter events enqueued in %d ms", rows.size(),
                                    (rated - started) / 1_000_000, events, (System.nanoTime() - rated) / 1_000_000);
                        }
                    });
        });
    }

    /**
     * Runs {@code step} for each item, one after the other, and sums what they return. A stream, not a chain of
     * {@code Uni}s built in a loop: such a chain nests one operator per item, and subscribing to ten thousand of them
     * overflowed the stack, which left the metering run waiting for ever.
     */
    static <T> Uni<Integer> sumInTurn(List<T> items, Function<T, Uni<Integer>> step) {
        return Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> step.apply(item))
                .collect().with(Collectors.summingInt(Integer::intValue));
    }

    private Uni<Integer> enqueue(ChargeRow row, Instant now) {
        UUID subscription = UUID.fromString(row.subscriptionId());
        var start = row.periodStart().atOffset(ZoneOffset.UTC);
        var end = row.periodEnd().atOffset(ZoneOffset.UTC);
        // An event counts in the period Stripe sees it in: now, or the period's last second for usage reported late.
        Instant eventTime = now.isBefore(row.periodEnd()) ? now : row.periodEnd().minusSeconds(1);
        return pool.withTransaction(c -> c.preparedQuery("""
                        insert into billing_periods (subscription_id, period_start, period_end, enqueued_units, last_sequence)
                        values ($1, $2, $3, 0, 0) on conflict do nothing""").execute(Tuple.of(subscription, start, end))
                .chain(() -> c.preparedQuery("select enqueued_units, last_sequence from billing_periods where subscription_id = $1 and period_start = $2 for update")
                        .execute(Tuple.of(subscription, start)))
                .chain(rows -> {
                    Row r = rows.iterator().next();
                    long delta = row.overageUnits() - r.getLong("enqueued_units");
                    if (delta <= 0) {
                        return Uni.createFrom().item(0);
                    }
                    long sequence = r.getLong("last_sequence") + 1;
                    String identifier = new MeterEventId(subscription, row.periodStart(), sequence).identifier();
                    return c.preparedQuery("""
                                    insert into meter_event_outbox (identifier, subscription_id, consumer_id, plan_id, period_start, period_end,
                                        sequence, units, event_time, state, next_attempt_at, created_at)
                                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10, $10)""")
                            .execute(Tuple.tuple(List.of(identifier, subscription, UUID.fromString(row.consumerId()), UUID.fromString(row.planId()),
                                    start, end, sequence, delta, eventTime.atOffset(ZoneOffset.UTC), now.atOffset(ZoneOffset.UTC))))
                            .chain(() -> c.preparedQuery("update billing_periods set enqueued_units = $3, last_sequence = $4 where subscription_id = $1 and period_start = $2")
                                    .execute(Tuple.of(subscription, start, row.overageUnits(), sequence)))
                            .replaceWith(1);
                }));
    }
}
