package io.gatehouse.management.limits;

import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Splits each subscription's rate limit into shares for the gateway nodes that serve it, max-min fair by the
 * demand each node reports. Every node runs GCRA over its share; the shares in force never add up to more than the
 * plan's rate and burst, so neither does what the nodes admit together.
 *
 * <p>A share is leased for {@link #LEASE_MS}; nodes renew while they have traffic, and say which lease they have
 * installed. Until a node has acknowledged a smaller share, the control plane keeps counting its larger one (the
 * node may still be using it); a lease never acknowledged counts until it would have expired, plus a margin for
 * the time messages take. When capacity frees up, the nodes that are short get their larger share pushed at once.
 *
 * <p>The shares live in PostgreSQL, not in an instance's memory: nodes of one subscription may be connected to
 * different control plane instances, and a node may move to another instance at any time. A share pushed to a node
 * connected elsewhere travels through the database ({@link RateLeaseRelay}); if it is lost, the rule stays safe,
 * since the node's older share counts until acknowledged or expired.
 */
@ApplicationScoped
public class RateAllocator {
    public static final long LEASE_MS = 1_000;
    static final long MARGIN_MS = 250;
    /** Shares are not shrunk for less than this fraction: it keeps small swings of demand from churning leases. */
    static final double HYSTERESIS = 0.1;
    /** Attempts of one request that find the shares changed by another before giving up (the node asks again). */
    static final int MAX_ATTEMPTS = 25;

    /** A lease to send to a node. */
    public record Grant(String nodeId, ControlMessage.RateLease lease) {
    }

    record Lease(long id, double rate, double burst, long expiresAtMillis) {
    }

    static final class NodeShare {
        final List<Lease> leases = new ArrayList<>();
        double demand;

        void forget(long now, long acknowledged) {
            // Everything older than what the node has installed is no longer in use there.
            leases.removeIf(l -> l.expiresAtMillis <= now || l.id < acknowledged);
        }

        double committedRate() {
            return leases.stream().mapToDouble(Lease::rate).max().orElse(0);
        }

        double committedBurst() {
            return leases.stream().mapToDouble(Lease::burst).max().orElse(0);
        }

        Lease latest() {
            return leases.isEmpty() ? null : leases.get(leases.size() - 1);
        }
    }

    /**
     * One subscription's shares: what the rule needs between two requests, stored in the database
     * ({@code rate_allocations}) so that every control plane instance applies the rule to the same state.
     */
    static final class Shares {
        final Map<String, NodeShare> nodes = new HashMap<>();
        /** When the last lease of any node stops counting. */
        long busyUntil;
        /** Lease ids grow per subscription: a node ignores a lease older than the one it has installed. */
        long lastLeaseId;

        long nextLeaseId() {
            return ++lastLeaseId;
        }

        static Shares fromJson(JsonObject json) {
            Shares shares = new Shares();
            if (json == null) {
                return shares;
            }
            shares.busyUntil = json.getLong("busyUntil", 0L);
            shares.lastLeaseId = json.getLong("lastLeaseId", 0L);
            JsonObject nodes = json.getJsonObject("nodes", new JsonObject());
            for (String nodeId : nodes.fieldNames()) {
                JsonObject node = nodes.getJsonObject(nodeId);
                NodeShare share = new NodeShare();
                share.demand = node.getDouble("demand", 0d);
                for (Object l : node.getJsonArray("leases", new JsonArray())) {
                    JsonArray lease = (JsonArray) l;
                    share.leases.add(new Lease(lease.getLong(0), lease.getDouble(1), lease.getDouble(2), lease.getLong(3)));
                }
                shares.nodes.put(nodeId, share);
            }
            return shares;
        }

        JsonObject toJson() {
            JsonObject nodes = new JsonObject();
            this.nodes.forEach((nodeId, share) -> {
                JsonArray leases = new JsonArray();
                share.leases.forEach(l -> leases.add(new JsonArray().add(l.id).add(l.rate).add(l.burst).add(l.expiresAtMillis)));
                nodes.put(nodeId, new JsonObject().put("demand", share.demand).put("leases", leases));
            });
            return new JsonObject().put("busyUntil", busyUntil).put("lastLeaseId", lastLeaseId).put("nodes", nodes);
        }
    }

    @Inject
    Pool pool;

    /** A node's request waiting for its turn, and where its answer goes. */
    private record Pending(String nodeId, NodeMessage.RateLeaseRequest request, PlanDefinition plan, CompletableFuture<List<Grant>> answer) {
    }

    /** One subscription's requests on this instance: at most one read-and-write of its row runs at a time. */
    private static final class Queue {
        final List<Pending> waiting = new ArrayList<>();
        boolean running;
    }

    private final Map<UUID, Queue> queues = new ConcurrentHashMap<>();

    /**
     * Answers a node's request, and returns the leases pushed to other nodes as a result. The subscription's row is
     * read, the rule applied to it at the database's time (instances' clocks may differ, expiries must not), and the
     * row written back only if no other request wrote it meanwhile; otherwise the attempt starts again from what that
     * one wrote. So requests through any instance take effect one after another, as through one, and no lock is held
     * across round trips. Leases decided in an attempt that lost are never sent.
     *
     * <p>Requests for one subscription that arrive while its row is being written wait and then go together: one read
     * and one write for all of them, applied in arrival order. However slow the database, a subscription costs at
     * most two statements per round trip, not two per request.
     */
    public Uni<List<Grant>> allocate(String nodeId, NodeMessage.RateLeaseRequest request, PlanDefinition plan) {
        UUID subscriptionId = UUID.fromString(request.subscriptionId());
        Pending pending = new Pending(nodeId, request, plan, new CompletableFuture<>());
        Queue queue = queues.computeIfAbsent(subscriptionId, id -> new Queue());
        boolean start;
        synchronized (queue) {
            queue.waiting.add(pending);
            start = !queue.running;
            queue.running = true;
        }
        if (start) {
            drain(subscriptionId, queue);
        }
        return Uni.createFrom().completionStage(pending.answer());
    }

    private void drain(UUID subscriptionId, Queue queue) {
        List<Pending> batch;
        synchronized (queue) {
            if (queue.waiting.isEmpty()) {
                queue.running = false;
                queues.remove(subscriptionId, queue);
                return;
            }
            batch = new ArrayList<>(queue.waiting);
            queue.waiting.clear();
        }
        attempt(subscriptionId, batch, 1).subscribe().with(answers -> {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).answer().complete(answers.get(i));
            }
            drain(subscriptionId, queue);
        }, failure -> {
            batch.forEach(p -> p.answer().completeExceptionally(failure));
            drain(subscriptionId, queue);
        });
    }

    private Uni<List<List<Grant>>> attempt(UUID subscriptionId, List<Pending> batch, int attempt) {
        return pool.preparedQuery("""
                        select state, revision, (extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms
                        from rate_allocations where subscription_id = $1""")
                .execute(Tuple.of(subscriptionId))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return pool.preparedQuery("insert into rate_allocations (subscription_id, state, revision) values ($1, '{}'::jsonb, 0) on conflict do nothing")
                                .execute(Tuple.of(subscriptionId))
                                .chain(() -> attempt(subscriptionId, batch, attempt));
                    }
                    Row row = rows.iterator().next();
                    Shares shares = Shares.fromJson((JsonObject) row.getValue("state"));
                    long revision = row.getLong("revision");
                    long now = row.getLong("now_ms");
                    List<List<Grant>> answers = new ArrayList<>(batch.size());
                    for (Pending p : batch) {
                        answers.add(allocate(shares, p.nodeId(), p.request(), p.plan(), now));
                    }
                    return pool.preparedQuery("update rate_allocations set state = $2, revision = revision + 1, updated_at = now() where subscription_id = $1 and revision = $3")
                            .execute(Tuple.of(subscriptionId, shares.toJson(), revision))
                            .chain(updated -> {
                                if (updated.rowCount() == 1) {
                                    return Uni.createFrom().item(answers);
                                }
                                if (attempt >= MAX_ATTEMPTS) {
                                    return Uni.createFrom().failure(new IllegalStateException("rate shares of subscription " + subscriptionId
                                            + " changed under " + MAX_ATTEMPTS + " attempts in a row"));
                                }
                                return attempt(subscriptionId, batch, attempt + 1);
                            });
                });
    }

    /** The rule, applied to one subscription's {@code shares} at {@code now} (epoch milliseconds). */
    static List<Grant> allocate(Shares shares, String nodeId, NodeMessage.RateLeaseRequest request, PlanDefinition plan, long now) {
        List<Grant> grants = new ArrayList<>();
        if (plan == null || plan.ratePerSecond() == null) {
            grants.add(new Grant(nodeId, new ControlMessage.RateLease(request.requestId(), shares.nextLeaseId(),
                    request.subscriptionId(), 0, 0, LEASE_MS, 0)));
            return grants;
        }
        double rate = plan.ratePerSecond();
        double burst = Math.max(1, plan.burst() == null ? 1 : plan.burst());
        Map<String, NodeShare> nodes = shares.nodes;
        NodeShare self = nodes.computeIfAbsent(nodeId, id -> new NodeShare());
        self.forget(now, request.appliedLeaseId());
        // Smoothed demand: one burst of requests should not swing the shares.
        double reported = Math.max(1, request.demandPerSecond());
        self.demand = self.demand == 0 ? reported : 0.5 * self.demand + 0.5 * reported;
        nodes.forEach((id, n) -> {
            if (!id.equals(nodeId)) {
                n.forget(now, 0);
            }
        });
        nodes.entrySet().removeIf(e -> !e.getKey().equals(nodeId) && e.getValue().leases.isEmpty());

        // With no share in force anywhere for as long as a single bucket takes to fill, that bucket would be full:
        // this node may start with its bucket full. Any other time new buckets start empty, so no change of
        // shares ever adds tokens.
        boolean idleEverywhere = nodes.values().stream().allMatch(n -> n.leases.isEmpty())
                && now >= shares.busyUntil + (long) (1000 * burst / rate);
        Lease granted = grant(shares, nodeId, self, rate, burst, now);
        shares.busyUntil = Math.max(shares.busyUntil, granted.expiresAtMillis);
        grants.add(new Grant(nodeId, new ControlMessage.RateLease(request.requestId(), granted.id, request.subscriptionId(),
                granted.rate, granted.burst, LEASE_MS, idleEverywhere ? granted.burst : 0)));
        // Others: shrink those above their fair share (they acknowledge at once), grow those below it if room is free.
        for (Map.Entry<String, NodeShare> other : nodes.entrySet()) {
            if (other.getKey().equals(nodeId) || other.getValue().latest() == null) {
                continue;
            }
            Lease current = other.getValue().latest();
            double fair = fairRate(nodes, other.getValue(), rate);
            boolean shrink = current.rate > fair * (1 + HYSTERESIS);
            boolean grow = current.rate < fair * (1 - HYSTERESIS);
            if (shrink || grow) {
                Lease pushed = grant(shares, other.getKey(), other.getValue(), rate, burst, now);
                shares.busyUntil = Math.max(shares.busyUntil, pushed.expiresAtMillis);
                if (pushed.rate != current.rate || pushed.burst != current.burst) {
                    grants.add(new Grant(other.getKey(), new ControlMessage.RateLease(0, pushed.id, request.subscriptionId(),
                            pushed.rate, pushed.burst, LEASE_MS, 0)));
                }
            }
        }
        return grants;
    }

    private static Lease grant(Shares shares, String nodeId, NodeShare self, double rate, double burst, long now) {
        Map<String, NodeShare> nodes = shares.nodes;
        double fraction = fairRate(nodes, self, rate) / rate;
        double othersRate = 0;
        double othersBurst = 0;
        for (Map.Entry<String, NodeShare> other : nodes.entrySet()) {
            if (!other.getKey().equals(nodeId)) {
                othersRate += other.getValue().committedRate();
                othersBurst += other.getValue().committedBurst();
            }
        }
        Lease current = self.latest();
        double wantRate = rate * fraction;
        double wantBurst = burst * fraction;
        if (current != null && current.rate >= wantRate && current.rate <= wantRate * (1 + HYSTERESIS)) {
            wantRate = current.rate;
            wantBurst = Math.max(wantBurst, current.burst);
        }
        double grantedRate = Math.max(0, Math.min(wantRate, rate - othersRate));
        double grantedBurst = Math.max(0, Math.min(wantBurst, burst - othersBurst));
        if (grantedBurst < 1) {
            // A bucket smaller than one request admits nothing: take one whole token if it is free.
            grantedBurst = burst - othersBurst >= 1 ? 1 : 0;
        }
        if (grantedBurst == 0) {
            grantedRate = 0;
        }
        Lease lease = new Lease(shares.nextLeaseId(), grantedRate, grantedBurst, now + LEASE_MS + MARGIN_MS);
        self.leases.add(lease);
        return lease;
    }

    /**
     * Max-min fair, and then work-conserving: nodes that ask for less than an equal split get what they ask for, the
     * others split the rest equally; whatever no node asks for is then spread equally over all of them, so a lone
     * or lightly used node holds the whole rate rather than starving on its recent demand. When every node is
     * saturated each gets rate / n however their demand figures wobble, so shares stay put instead of churning.
     */
    static double fairRate(Map<String, NodeShare> nodes, NodeShare node, double rate) {
        List<NodeShare> byDemand = new ArrayList<>(nodes.values());
        byDemand.sort(java.util.Comparator.comparingDouble(n -> n.demand));
        double remaining = rate;
        int left = byDemand.size();
        double mine = 0;
        for (NodeShare n : byDemand) {
            double give = Math.min(n.demand, remaining / left);
            if (n == node) {
                mine = give;
            }
            remaining -= give;
            left--;
        }
        return mine + remaining / byDemand.size();
    }
}
