package io.gatehouse.management.limits;

import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The split of one subscription's rate among nodes, without a control plane around it. */
class RateAllocatorTest {
    static final PlanDefinition PLAN = new PlanDefinition("p", "gold", 60L, 12L, null, "HARD", "OPEN");

    /** The subscription's shares as the database holds them between requests. */
    JsonObject stored = new RateAllocator.Shares().toJson();
    final Map<String, ControlMessage.RateLease> installed = new HashMap<>();
    long requests;
    long now = 1_700_000_000_000L;

    /**
     * A node asks, and every lease that results (its own and pushed ones) is installed by its node. Each request
     * starts from the stored form and leaves the stored form, as requests through different instances do.
     */
    ControlMessage.RateLease ask(String node, double demand) {
        long applied = installed.containsKey(node) ? installed.get(node).leaseId() : 0;
        RateAllocator.Shares shares = RateAllocator.Shares.fromJson(new JsonObject(stored.encode()));
        now += 10;
        List<RateAllocator.Grant> grants = RateAllocator.allocate(shares, node, new NodeMessage.RateLeaseRequest(++requests, "sub", demand, applied), PLAN, now);
        stored = shares.toJson();
        for (RateAllocator.Grant grant : grants) {
            installed.put(grant.nodeId(), grant.lease());
        }
        return installed.get(node);
    }

    @Test
    void aLoneNodeWithLittleTrafficHoldsTheWholeRateAndStartsWithAFullBucket() {
        ControlMessage.RateLease lease = ask("a", 1);
        assertThat(lease.ratePerSecond()).isEqualTo(60);
        assertThat(lease.burst()).isEqualTo(12);
        assertThat(lease.initialTokens()).as("idle everywhere: a single bucket would be full").isEqualTo(12);
        assertThat(ask("a", 1).initialTokens()).as("a renewal carries its own tokens instead").isZero();
    }

    @Test
    void saturatedNodesConvergeOnEqualSharesThatNeverAddUpToMoreThanThePlan() {
        ask("a", 1000);
        for (int round = 0; round < 10; round++) {
            for (String node : List.of("a", "b", "c")) {
                ask(node, 1000 + round);
                double total = installed.values().stream().mapToDouble(ControlMessage.RateLease::ratePerSecond).sum();
                double bursts = installed.values().stream().mapToDouble(ControlMessage.RateLease::burst).sum();
                assertThat(total).isLessThanOrEqualTo(60 + 1e-9);
                assertThat(bursts).isLessThanOrEqualTo(12 + 1e-9);
            }
        }
        for (String node : List.of("a", "b", "c")) {
            assertThat(installed.get(node).ratePerSecond()).isCloseTo(20, within(2.0));
        }
    }

    @Test
    void aQuietNodeGetsWhatItAsksPlusItsPartOfWhatNobodyUses() {
        for (int round = 0; round < 5; round++) {
            ask("busy", 1000);
            ask("quiet", 6);
        }
        // Water-filling gives quiet 6 and busy 54; nothing is left over, so that is the split.
        assertThat(installed.get("quiet").ratePerSecond()).isCloseTo(6, within(1.0));
        assertThat(installed.get("busy").ratePerSecond()).isCloseTo(54, within(6.0));
    }

    @Test
    void aNodeThatStopsAskingKeepsItsShareCountedUntilItExpiresThenTheOthersGetIt() {
        for (int round = 0; round < 3; round++) {
            ask("a", 1000);
            ask("b", 1000);
        }
        assertThat(installed.get("a").ratePerSecond() + installed.get("b").ratePerSecond()).isLessThanOrEqualTo(60 + 1e-9);
        double before = ask("a", 1000).ratePerSecond();
        // b goes away (its control plane instance stopped, or the node did): its share still counts for a while.
        assertThat(before).isCloseTo(30, within(3.0));
        now += RateAllocator.LEASE_MS / 2;
        assertThat(ask("a", 1000).ratePerSecond()).isCloseTo(before, within(1e-9));
        now += RateAllocator.LEASE_MS + RateAllocator.MARGIN_MS;
        assertThat(ask("a", 1000).ratePerSecond()).as("b's lease expired").isEqualTo(60);
    }

    @Test
    void leaseIdsKeepGrowingAcrossRequestsWhateverInstanceServesThem() {
        long previous = 0;
        for (int i = 0; i < 20; i++) {
            long id = ask(i % 2 == 0 ? "a" : "b", 100).leaseId();
            assertThat(id).isGreaterThan(previous);
            previous = id;
        }
    }
}
