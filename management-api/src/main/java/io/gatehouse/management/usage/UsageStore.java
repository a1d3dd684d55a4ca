package io.gatehouse.management.usage;

import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Stores usage reports: the batch id and its counts in one transaction, so a batch is counted once however often
 * it arrives. The node is told only after the commit.
 */
@ApplicationScoped
public class UsageStore {
    private static final Logger LOG = Logger.getLogger(UsageStore.class);

    /**
     * Batch ids are kept this long. Nodes give up on a batch after six days (UsageReporter), so an id is never
     * resent after it is forgotten, and nothing is counted twice.
     */
    static final String KEEP_BATCH_IDS = "7 days";
    private final java.util.concurrent.atomic.AtomicLong stored = new java.util.concurrent.atomic.AtomicLong();

    @Inject
    Pool pool;

    /** @return true when the batch was stored now, false when it had been stored before */
    public Uni<Boolean> store(String nodeId, NodeMessage.UsageReport report) {
        List<Tuple> rows = new ArrayList<>();
        for (UsageRecord r : report.records()) {
            try {
                rows.add(Tuple.tuple(List.of(UUID.fromString(r.subscriptionId()), UUID.fromString(r.planId()),
                        r.hour().atOffset(ZoneOffset.UTC), UUID.fromString(r.consumerId()), UUID.fromString(r.applicationId()),
                        UUID.fromString(r.apiId()), r.admitted(), r.refused())));
            } catch (IllegalArgumentException | NullPointerException e) {
                LOG.warnf("node %s: usage record with unusable ids skipped: %s", nodeId, r);
            }
        }
        return pool.withTransaction(connection -> connection
                .preparedQuery("insert into usage_batches (batch_id, node_id, received_at) values ($1, $2, $3) on conflict do nothing returning batch_id")
                .execute(Tuple.of(report.batchId(), nodeId, OffsetDateTime.now(ZoneOffset.UTC)))
                .chain(inserted -> {
                    if (inserted.rowCount() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(true);
                    }
                    return connection.preparedQuery("""
                                    insert into usage_hourly (subscription_id, plan_id, hour, consumer_id, application_id, api_id, admitted, refused)
                                    values ($1, $2, $3, $4, $5, $6, $7, $8)
                                    on conflict (subscription_id, plan_id, hour) do update
                                    set admitted = usage_hourly.admitted + excluded.admitted,
                                        refused = usage_hourly.refused + excluded.refused""")
                            .executeBatch(rows).replaceWith(true);
                }))
                .call(() -> stored.incrementAndGet() % 1_000 == 0
                        ? pool.query("delete from usage_batches where received_at < now() - interval '" + KEEP_BATCH_IDS + "'").execute()
                        : Uni.createFrom().voidItem());
    }
}
