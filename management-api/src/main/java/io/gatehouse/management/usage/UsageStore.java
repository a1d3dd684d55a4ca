package io.gatehouse.management.usage;

import io.gatehouse.management.sync.NodeMessageRefused;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Stores usage reports: the report id and its counts in one transaction, so a report is counted once however often
 * it arrives. The node is told only after the commit. A report's id is (node id, sequence) for nodes that spool
 * their usage (they resend unacknowledged reports after a restart), or (node id, batch id) for older nodes.
 */
@ApplicationScoped
public class UsageStore {
    /**
     * Batch ids (of nodes without a usage spool) are kept this long. Such nodes give up on a batch after six days, so an id is never
     * resent after it is forgotten, and nothing is counted twice.
     */
    static final String KEEP_BATCH_IDS = "7 days";
    /**
     * Report sequences are kept longer than the control plane accepts a record's hour (NodeMessageRules.USAGE_PAST,
     * 8 days): a spooled report resent after its id is forgotten counts only hours older than that, and is refused
     * ({@code invalid_hour}) instead of counted twice.
     */
    static final String KEEP_REPORT_IDS = "10 days";
    private final java.util.concurrent.atomic.AtomicLong stored = new java.util.concurrent.atomic.AtomicLong();

    @Inject
    Pool pool;
    @Inject
    io.gatehouse.management.metrics.ControlPlaneMetrics metrics;

    /**
     * @return true when the report was applied now, false when this node's report of that id was applied before. Fails with
     * {@link NodeMessageRefused} ({@code foreign_usage}) when a record names a subscription that does not exist, or
     * with an application, API, consumer or plan other than the subscription's: nothing of such a batch is stored.
     * Records are checked for shape before ({@code NodeMessageRules}).
     */
    public Uni<Boolean> store(String nodeId, NodeMessage.UsageReport report) {
        List<Tuple> rows = new ArrayList<>();
        Set<UUID> subscriptions = new HashSet<>();
        Set<UUID> plans = new HashSet<>();
        for (UsageRecord r : report.records()) {
            UUID subscriptionId = UUID.fromString(r.subscriptionId());
            UUID planId = UUID.fromString(r.planId());
            subscriptions.add(subscriptionId);
            plans.add(planId);
            rows.add(Tuple.tuple(List.of(subscriptionId, planId, r.hour().atOffset(ZoneOffset.UTC), UUID.fromString(r.consumerId()),
                    UUID.fromString(r.applicationId()), UUID.fromString(r.apiId()), r.admitted(), r.refused(),
                    r.withStatusClass(1), r.withStatusClass(2), r.withStatusClass(3), r.withStatusClass(4), r.withStatusClass(5))));
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.withTransaction(connection -> (report.sequence() != null
                ? connection.preparedQuery("insert into usage_report_ids (node_id, sequence, applied_at) values ($1, $2, $3) on conflict do nothing")
                        .execute(Tuple.of(nodeId, report.sequence(), now))
                : connection.preparedQuery("insert into usage_batches (batch_id, node_id, received_at) values ($1, $2, $3) on conflict do nothing")
                        .execute(Tuple.of(report.batchId(), nodeId, now)))
                .chain(inserted -> {
                    if (inserted.rowCount() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(true);
                    }
                    return connection.preparedQuery("""
                                    select s.id, s.application_id, s.api_id, a.consumer_id from subscriptions s
                                    join applications a on a.id = s.application_id where s.id = any($1)""")
                            .execute(Tuple.of(subscriptions.toArray(UUID[]::new)))
                            .chain(found -> connection.preparedQuery("select id from plans where id = any($1)")
                                    .execute(Tuple.of(plans.toArray(UUID[]::new)))
                                    .invoke(foundPlans -> checkOwnership(report, found, foundPlans)))
                            .chain(() -> connection.preparedQuery("""
                                            insert into usage_hourly (subscription_id, plan_id, hour, consumer_id, application_id, api_id, admitted, refused,
                                                informational, success, redirect, client_error, server_error)
                                            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                                            on conflict (subscription_id, plan_id, hour) do update
                                            set admitted = usage_hourly.admitted + excluded.admitted,
                                                refused = usage_hourly.refused + excluded.refused,
                                                informational = usage_hourly.informational + excluded.informational,
                                                success = usage_hourly.success + excluded.success,
                                                redirect = usage_hourly.redirect + excluded.redirect,
                                                client_error = usage_hourly.client_error + excluded.client_error,
                                                server_error = usage_hourly.server_error + excluded.server_error""")
                                    .executeBatch(rows).replaceWith(true));
                }))
                .invoke(applied -> {
                    if (applied) {
                        metrics.usageIngested(report.records().size());
                    }
                })
                .call(() -> stored.incrementAndGet() % 1_000 == 0
                        ? pool.query("delete from usage_batches where received_at < now() - interval '" + KEEP_BATCH_IDS + "'").execute()
                                .chain(() -> pool.query("delete from usage_report_ids where applied_at < now() - interval '" + KEEP_REPORT_IDS + "'").execute())
                        : Uni.createFrom().voidItem());
    }

    private static void checkOwnership(NodeMessage.UsageReport report, RowSet<Row> subscriptions, RowSet<Row> plans) {
        Map<String, String> owners = new HashMap<>();
        for (Row row : subscriptions) {
            owners.put(row.getUUID("id").toString(),
                    row.getUUID("application_id") + "/" + row.getUUID("api_id") + "/" + row.getUUID("consumer_id"));
        }
        Set<String> knownPlans = new HashSet<>();
        plans.forEach(row -> knownPlans.add(row.getUUID("id").toString()));
        for (UsageRecord r : report.records()) {
            String expected = owners.get(r.subscriptionId().toLowerCase());
            String claimed = r.applicationId().toLowerCase() + "/" + r.apiId().toLowerCase() + "/" + r.consumerId().toLowerCase();
            if (expected == null || !expected.equals(claimed) || !knownPlans.contains(r.planId().toLowerCase())) {
                throw new NodeMessageRefused("foreign_usage", "usage record for subscription " + r.subscriptionId()
                        + " does not match an existing subscription, its application, API, consumer and a plan");
            }
        }
    }
}
