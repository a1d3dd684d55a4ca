package io.gatehouse.management.limits;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Rate shares kept in PostgreSQL: nodes asking at once, as if through different control plane instances, never hold
 * more than the plan between them, and settle on equal shares.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class SharedRateSharesTest {
    static final PlanDefinition PLAN = new PlanDefinition("p", "gold", 60L, 12L, null, "HARD", "OPEN");

    @Inject
    RateAllocator allocator;

    @Test
    void threeNodesAskingConcurrentlyNeverHoldMoreThanThePlanAndConvergeOnEqualShares() throws Exception {
        String subscription = UUID.randomUUID().toString();
        Map<String, ControlMessage.RateLease> installed = new ConcurrentHashMap<>();
        AtomicLong requests = new AtomicLong();
        List<Long> latenciesMicros = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService nodes = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (String node : List.of("a", "b", "c")) {
                running.add(nodes.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        ControlMessage.RateLease mine = installed.get(node);
                        long applied = mine == null ? 0 : mine.leaseId();
                        long start = System.nanoTime();
                        List<RateAllocator.Grant> grants = allocator.allocate(node,
                                new NodeMessage.RateLeaseRequest(requests.incrementAndGet(), subscription, 1000, applied), PLAN)
                                .await().atMost(Duration.ofSeconds(10));
                        latenciesMicros.add((System.nanoTime() - start) / 1000);
                        for (RateAllocator.Grant grant : grants) {
                            // A node installs a lease only if it is newer than the one it holds, as gateway nodes do.
                            installed.merge(grant.nodeId(), grant.lease(), (held, offered) -> offered.leaseId() > held.leaseId() ? offered : held);
                        }
                        double total = installed.values().stream().mapToDouble(ControlMessage.RateLease::ratePerSecond).sum();
                        double bursts = installed.values().stream().mapToDouble(ControlMessage.RateLease::burst).sum();
                        assertThat(total).isLessThanOrEqualTo(60 + 1e-9);
                        assertThat(bursts).isLessThanOrEqualTo(12 + 1e-9);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            nodes.shutdownNow();
        }
        List<Long> sorted = latenciesMicros.stream().sorted().toList();
        System.out.printf("shared rate shares: %d allocations, median %d µs, p99 %d µs, shares %s%n", sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() * 99 / 100),
                installed.values().stream().map(l -> String.format("%.1f", l.ratePerSecond())).toList());
        for (String node : List.of("a", "b", "c")) {
            assertThat(installed.get(node).ratePerSecond()).as(node).isCloseTo(20, within(3.0));
        }
    }
}
