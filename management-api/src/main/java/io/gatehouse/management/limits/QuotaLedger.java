package io.gatehouse.management.limits;

import io.gatehouse.management.sync.NodeMessageRefused;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Grants quota units to gateway nodes out of a durable ledger: one row per subscription and period holds what has
 * been granted, and a grant is a row lock, a check and an update in one transaction. The total granted never
 * exceeds the quota, whatever the number of nodes or control plane instances, and a restart loses nothing.
 *
 * <p>Grants shrink as the quota runs out (at most a quarter of what is left), so little is stranded on a node
 * that goes quiet; the last units are granted one at a time.
 */
@ApplicationScoped
public class QuotaLedger {

    @Inject
    Pool pool;
    @Inject
    io.gatehouse.management.metrics.ControlPlaneMetrics metrics;

    public Uni<ControlMessage.QuotaLease> grant(String nodeId, NodeMessage.QuotaLeaseRequest request, SubscriptionGrant subscription, PlanDefinition plan) {
        if (subscription == null || plan == null || plan.monthlyQuota() == null) {
            return Uni.createFrom().item(refusal(request, 0));
        }
        long quota = plan.monthlyQuota();
        Instant now = Instant.now();
        QuotaPeriod current = QuotaPeriod.containing(now, subscription.billingAnchor());
        if (!current.start().equals(request.periodStart())) {
            // The node's clock is in another period; it will move on by itself.
            return Uni.createFrom().item(refusal(request, quota));
        }
        UUID subscriptionId = UUID.fromString(subscription.id());
        Tuple key = Tuple.of(subscriptionId, current.start().atOffset(ZoneOffset.UTC));
        return pool.withTransaction(connection -> connection
                .preparedQuery("insert into quota_ledger (subscription_id, period_start, granted) values ($1, $2, 0) on conflict do nothing")
                .execute(key)
                .chain(() -> connection.preparedQuery("select granted from quota_ledger where subscription_id = $1 and period_start = $2 for update")
                        .execute(key))
                .chain(rows -> {
                    long granted = rows.iterator().next().getLong("granted");
                    long left = Math.max(0, quota - granted);
                    long units = left == 0 ? 0 : Math.min(request.units(), Math.max(1, (left + 3) / 4));
                    long remaining = left - units;
                    ControlMessage.QuotaLease lease = new ControlMessage.QuotaLease(request.requestId(), request.subscriptionId(),
                            request.periodStart(), units, quota, remaining, remaining == 0);
                    if (units == 0) {
                        return Uni.createFrom().item(lease);
                    }
                    return connection.preparedQuery("update quota_ledger set granted = granted + $3 where subscription_id = $1 and period_start = $2")
                            .execute(Tuple.of(subscriptionId, current.start().atOffset(ZoneOffset.UTC), units))
                            .chain(() -> connection.preparedQuery("""
                                            insert into quota_node_leases (subscription_id, period_start, node_id, leased) values ($1, $2, $3, $4)
                                            on conflict (subscription_id, period_start, node_id) do update set leased = quota_node_leases.leased + excluded.leased""")
                                    .execute(Tuple.of(subscriptionId, current.start().atOffset(ZoneOffset.UTC), nodeId, units)))
                            .replaceWith(lease);
                })).invoke(lease -> metrics.ledgerGrant());
    }

    /**
     * Units a node gives back; they can be granted again. A node can give back only what it holds: more than it was
     * leased for that subscription and period (less what it gave back before) is refused whole, with
     * {@code return_exceeds_lease}, and changes nothing.
     */
    public Uni<Void> giveBack(String nodeId, NodeMessage.QuotaReturn returned) {
        UUID subscriptionId = UUID.fromString(returned.subscriptionId());
        Tuple key = Tuple.of(subscriptionId, returned.periodStart().atOffset(ZoneOffset.UTC), nodeId, returned.units());
        return pool.withTransaction(connection -> connection.preparedQuery("""
                        update quota_node_leases set leased = leased - $4
                        where subscription_id = $1 and period_start = $2 and node_id = $3 and leased >= $4""")
                .execute(key)
                .chain(updated -> {
                    if (updated.rowCount() == 0) {
                        return Uni.createFrom().failure(new NodeMessageRefused("return_exceeds_lease",
                                "node " + nodeId + " holds fewer than " + returned.units() + " units of this subscription and period"));
                    }
                    return connection.preparedQuery("update quota_ledger set granted = greatest(0, granted - $3) where subscription_id = $1 and period_start = $2")
                            .execute(Tuple.of(subscriptionId, returned.periodStart().atOffset(ZoneOffset.UTC), returned.units()))
                            .replaceWithVoid();
                })).invoke(done -> metrics.ledgerReturn());
    }

    private static ControlMessage.QuotaLease refusal(NodeMessage.QuotaLeaseRequest request, long quota) {
        return new ControlMessage.QuotaLease(request.requestId(), request.subscriptionId(), request.periodStart(), 0, quota, 0, true);
    }
}
