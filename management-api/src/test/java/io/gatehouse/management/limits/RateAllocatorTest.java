package io.gatehouse.management.limits;

import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The split of one subscription's rate among nodes, without a control plane around it. */
class RateAllocatorTest {
    static final PlanDefinition PLAN = new PlanDefinition("p", "gold", 60L, 12L, null, "HARD", "OPEN");

    final RateAllocator allocator = new RateAllocator();
    final Map<String, ControlMessage.RateLease> installed = new HashMap<>();
    long requests;

    /** A node asks, and every lease that results (its own and pushed ones) is installed by its node. */
    ControlMessage.RateLease ask(String node, double demand) {
        long applied = installed.containsKey(node) ? installed.get(node).leaseId() : 0;
        List<RateAllocator.Grant> grants = allocator.allocate(node, new NodeMessage.RateLeaseRequest(++requests, "sub", demand, applied), PLAN);
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
}
