package io.gatehouse.management.apis;

import io.gatehouse.protocol.usage.VariantCounts;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Canary figures shared by every control plane instance: each instance writes what its nodes reported to PostgreSQL
 * every second, under its own id, and every read adds up all instances' rows. So the canary status and the console's
 * chart count the nodes of every instance, and an instance that stops or restarts takes nothing with it.
 *
 * <p>The hour chart ({@code canary_minutes}) holds each instance's whole count of each minute, written again while
 * the minute fills: a write repeated after a failure changes nothing. The figures since the canary was set
 * ({@code canary_totals}) are added to, and setting a new canary, promoting or rolling back deletes the API's rows;
 * what another instance still held at that moment (at most a second of reports) lands in the new figures, as a node
 * report already on its way would.
 */
@ApplicationScoped
public class CanaryStore {
    private static final Logger LOG = Logger.getLogger(CanaryStore.class);
    static final long FLUSH_MS = 1_000;
    /** Minutes older than this are deleted: the chart shows one hour. */
    static final Duration KEEP_MINUTES = Duration.ofHours(2);

    /** This process's id in the tables: a restarted instance is a new one, and its old rows keep counting. */
    private final UUID instanceId = UUID.randomUUID();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile long lastPrune;
    private long timer = -1;

    @Inject
    Pool pool;
    @Inject
    Vertx vertx;
    @Inject
    CanaryMetrics metrics;
    @Inject
    CanaryHistory history;

    void onStart(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(FLUSH_MS, id -> flush().subscribe().with(v -> { }, e -> { }));
    }

    void onStop(@Observes ShutdownEvent event) {
        vertx.cancelTimer(timer);
        try {
            // What this instance received in its last second still counts once it is gone.
            flush().await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("canary figures not written at shutdown: %s", e.toString());
        }
    }

    /** Writes what this instance received since the last write. */
    Uni<Void> flush() {
        if (!flushing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        List<CanaryHistory.MinuteCounts> minutes = history.takeChanged();
        List<VariantCounts> totals = metrics.takePending();
        long now = System.currentTimeMillis();
        boolean prune = now - lastPrune > 60_000;
        if (minutes.isEmpty() && totals.isEmpty() && !prune) {
            flushing.set(false);
            return Uni.createFrom().voidItem();
        }
        return pool.withTransaction(connection -> writeMinutes(connection, minutes)
                        .chain(() -> addTotals(connection, totals))
                        .chain(() -> prune ? connection.preparedQuery("delete from canary_minutes where minute < $1")
                                .execute(Tuple.of(OffsetDateTime.now(ZoneOffset.UTC).minus(KEEP_MINUTES))).replaceWithVoid()
                                : Uni.createFrom().voidItem()))
                .invoke(() -> {
                    if (prune) {
                        lastPrune = now;
                    }
                })
                .onFailure().invoke(failure -> {
                    LOG.warnf("canary figures not written (kept for the next write): %s", failure.toString());
                    history.changedAgain(minutes);
                    metrics.pendingAgain(totals);
                })
                .eventually(() -> flushing.set(false));
    }

    private Uni<Void> writeMinutes(SqlConnection connection, List<CanaryHistory.MinuteCounts> minutes) {
        if (minutes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = minutes.stream().map(m -> Tuple.of(m.apiId(), m.variant(), minuteStart(m.minute()), instanceId, boxed(m.counts())))
                .toList();
        return connection.preparedQuery("""
                        insert into canary_minutes (api_id, variant, minute, instance_id, counts) values ($1, $2, $3, $4, $5)
                        on conflict (api_id, minute, variant, instance_id) do update set counts = excluded.counts""")
                .executeBatch(rows).replaceWithVoid();
    }

    private Uni<Void> addTotals(SqlConnection connection, List<VariantCounts> totals) {
        if (totals.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = totals.stream().map(t -> Tuple.of(t.apiId(), t.variant(), instanceId, boxed(t.counts()))).toList();
        return connection.preparedQuery("""
                        insert into canary_totals (api_id, variant, instance_id, counts) values ($1, $2, $3, $4)
                        on conflict (api_id, variant, instance_id) do update set counts = array(
                            select coalesce(a, 0) + coalesce(b, 0)
                            from unnest(canary_totals.counts, excluded.counts) with ordinality as t(a, b, i) order by i)""")
                .executeBatch(rows).replaceWithVoid();
    }

    /** Each variant's figures since the canary was set, summed over every instance. */
    public Uni<Map<String, CanaryMetrics.VariantView>> sinceSet(String apiId) {
        return pool.preparedQuery("select variant, counts from canary_totals where api_id = $1").execute(Tuple.of(apiId))
                .map(rows -> {
                    Map<String, long[]> stored = new HashMap<>();
                    for (Row row : rows) {
                        add(stored.computeIfAbsent(row.getString("variant"), v -> new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length]),
                                row.getArrayOfLongs("counts"));
                    }
                    return metrics.view(apiId, stored);
                });
    }

    /** The last hour per minute and variant: this instance's minutes from memory, every other instance's from the database. */
    public Uni<CanaryHistory.Window> lastHour(String apiId, Instant now) {
        OffsetDateTime from = minuteStart(now.getEpochSecond() / 60 - CanaryHistory.MINUTES + 1);
        return pool.preparedQuery("select variant, minute, counts from canary_minutes where api_id = $1 and minute >= $2 and instance_id <> $3")
                .execute(Tuple.of(apiId, from, instanceId))
                .map(rows -> {
                    List<CanaryHistory.MinuteCounts> others = new ArrayList<>();
                    for (Row row : rows) {
                        long[] counts = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
                        add(counts, row.getArrayOfLongs("counts"));
                        others.add(new CanaryHistory.MinuteCounts(apiId, row.getString("variant"),
                                row.getOffsetDateTime("minute").toEpochSecond() / 60, counts));
                    }
                    return history.lastHour(apiId, now, others);
                });
    }

    /** A new canary, a promotion or a rollback: the figures since the canary was set start again, on every instance. */
    public Uni<Void> reset(String apiId) {
        metrics.reset(apiId);
        return pool.preparedQuery("delete from canary_totals where api_id = $1").execute(Tuple.of(apiId)).replaceWithVoid();
    }

    private static void add(long[] sum, Long[] more) {
        for (int i = 0; i < Math.min(sum.length, more.length); i++) {
            sum[i] += more[i] == null ? 0 : more[i];
        }
    }

    private static Long[] boxed(long[] counts) {
        Long[] out = new Long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = counts[i];
        }
        return out;
    }

    private static OffsetDateTime minuteStart(long epochMinute) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(epochMinute * 60), ZoneOffset.UTC);
    }
}
