package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.protocol.Json;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent clients spread over several gateway nodes, counting answers by status and error code. Each client keeps
 * one connection alive to its node ({@link KeepAliveConnection}), so a request without an answer is counted as an
 * error of the gateway's, never retried. Bounded: every run stops after its request budget or its time, whichever
 * comes first.
 */
final class Load {
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    final AtomicLong firstSentNanos = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong lastAdmittedNanos = new AtomicLong();
    final LongAdder sent = new LongAdder();
    /** Requests admitted (200) by each node, by node id. */
    final Map<String, LongAdder> admittedByNode = new ConcurrentHashMap<>();
    /** When set, every request is a POST carrying this JSON body. */
    private String body;

    /** Clients POST {@code json} instead of GETting. */
    Load posting(String json) {
        this.body = json;
        return this;
    }

    long count(String outcome) {
        LongAdder adder = outcomes.get(outcome);
        return adder == null ? 0 : adder.sum();
    }

    long ok() {
        return count("200");
    }

    long admittedBy(GatewayNode node) {
        LongAdder adder = admittedByNode.get(node.settings().nodeId());
        return adder == null ? 0 : adder.sum();
    }

    /**
     * Runs {@code clientsPerNode} clients against each node until {@code maxRequests} have been sent, {@code maxTime}
     * has passed, or {@code stop} says so.
     */
    Load run(List<GatewayNode> nodes, int clientsPerNode, String path, String key, long maxRequests, Duration maxTime, BooleanSupplier stop) {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size() * clientsPerNode);
        long deadline = System.nanoTime() + maxTime.toNanos();
        AtomicLong budget = new AtomicLong(maxRequests);
        try {
            List<Future<?>> clients = new java.util.ArrayList<>();
            for (GatewayNode node : nodes) {
                int port = node.settings().proxyPort();
                LongAdder admittedHere = admittedByNode.computeIfAbsent(node.settings().nodeId(), id -> new LongAdder());
                for (int c = 0; c < clientsPerNode; c++) {
                    clients.add(pool.submit(() -> {
                        try (KeepAliveConnection connection = new KeepAliveConnection("127.0.0.1", port, 10_000)) {
                            while (System.nanoTime() < deadline && budget.decrementAndGet() >= 0 && !stop.getAsBoolean()) {
                                long start = System.nanoTime();
                                firstSentNanos.accumulateAndGet(start, Math::min);
                                sent.increment();
                                String outcome;
                                try {
                                    KeepAliveConnection.Answer answer = body == null
                                            ? connection.exchange("GET", path, null, "X-API-Key", key)
                                            : connection.exchange("POST", path, body, "X-API-Key", key, "Content-Type", "application/json");
                                    if (answer.status() == 200) {
                                        outcome = "200";
                                        lastAdmittedNanos.accumulateAndGet(System.nanoTime(), Math::max);
                                        admittedHere.increment();
                                    } else {
                                        outcome = answer.status() + " " + errorCode(answer.body());
                                    }
                                } catch (Exception e) {
                                    outcome = "error " + describe(e);
                                }
                                outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> client : clients) {
                client.get(maxTime.toMillis() + 30_000, TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("load run failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
        return this;
    }

    /**
     * A rate test: two clients per node for six seconds against a plan of {@code rate} requests a second with
     * {@code burst}, asserting what a rate limit must hold however the nodes are spread: every request answered with a
     * pass or a rate refusal, the upstream reached by exactly the passes, never more than the plan allows over the
     * run, enough of it to be usable ({@link #admittedFloor}), and a share admitted by every node.
     */
    Load runAgainstRate(List<GatewayNode> nodes, String where, String path, String key, long rate, long burst, LongSupplier upstreamRequests) {
        double loadBefore = loadPerCore();
        long upstreamBefore = upstreamRequests.getAsLong();
        run(nodes, 2, path, key, 1_000_000, Duration.ofSeconds(6), () -> false);
        long reachedUpstream = upstreamRequests.getAsLong() - upstreamBefore;
        double busiest = Math.max(loadBefore, loadPerCore());
        double seconds = (lastAdmittedNanos.get() - firstSentNanos.get()) / 1e9;
        double ceiling = rate * seconds + burst;
        double floor = admittedFloor(busiest);
        System.out.printf("rate %d/s burst %d %s for %.2f s: admitted %d, ceiling %.1f, %.1f%% of it (floor %.0f%% at load %.1f per core; %s)%n",
                rate, burst, where, seconds, ok(), ceiling, 100.0 * ok() / ceiling, 100 * floor, busiest, this);
        assertThat(seconds).isGreaterThan(5.0);
        assertThat(ok() + count("429 rate_limited")).as("every request is answered, with a pass or a rate refusal: " + this)
                .isEqualTo(sent.sum());
        assertThat(reachedUpstream).as("the upstream received exactly the requests the clients saw admitted").isEqualTo(ok());
        assertThat((double) ok()).as("never above the plan's rate").isLessThanOrEqualTo(ceiling);
        assertThat((double) ok()).as("the rate is usable").isGreaterThanOrEqualTo(floor * ceiling);
        for (GatewayNode node : nodes) {
            assertThat(admittedBy(node)).as("admitted by " + node.settings().nodeId()).isPositive();
        }
        return this;
    }

    /**
     * The least share of a rate test's ceiling it must admit, for how busy the machine was around the run (its load
     * average per core, the larger of before and after). Admitting above the ceiling is never allowed; admitting
     * less is what leases answered late cost, and an overloaded machine answers them late: the floor is tight while
     * the machine is not overloaded and loosens as it gets busier, staying above what the burst alone would admit.
     */
    static double admittedFloor(double loadPerCore) {
        if (loadPerCore < 0 || loadPerCore > 5.0) {
            return 0.1;
        }
        return loadPerCore <= 2.0 ? 0.85 : 0.5;
    }

    /** The machine's one-minute load average per core; negative where the platform does not tell. */
    static double loadPerCore() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double average = os.getSystemLoadAverage();
        return average < 0 ? average : average / os.getAvailableProcessors();
    }

    /** The gateway's error code in an answer's JSON body; what the body starts with when it is not JSON. */
    private static String errorCode(String body) {
        try {
            return Json.read(body, JsonNode.class).path("code").asText();
        } catch (RuntimeException e) {
            return "(not JSON: " + body.substring(0, Math.min(40, body.length())) + ")";
        }
    }

    /** The exception and its root cause: java.net.http wraps every I/O failure in a plain IOException. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getClass().getSimpleName() + (root == e ? "" : " (" + root.getClass().getSimpleName() + ")") + ": " + e.getMessage();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("sent " + sent.sum());
        outcomes.forEach((k, v) -> out.append(", ").append(k).append(": ").append(v.sum()));
        return out.toString();
    }
}
