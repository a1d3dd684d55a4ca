package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static io.gatehouse.gateway.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that keep their connections alive and POST faster than their plan's rate: most answers are refusals sent
 * before the request body is read, and the connection must carry on as if the request had been served.
 */
class KeepAliveUnderRefusalsTest extends StandaloneGateway {
    static final PlanDefinition PLAN = new PlanDefinition("plan-slow", "slow", 2L, 2L, null, "HARD", "OPEN");
    static final String KEY = ApiKeys.generate();

    /**
     * Each client on one connection throughout, head and body in separate writes, so a rate refusal is answered from
     * the head alone while the body is still coming: every request gets exactly one complete answer (no bytes beyond
     * it), and the connection stays open for the next. Plain sockets, so that a client's own connection handling
     * cannot be mistaken for the gateway's.
     */
    @Test
    void refusalsAnsweredBeforeTheBodyLeaveTheConnectionUsable() throws Exception {
        EchoUpstream upstream = upstream("orders", "127.0.0.1", 0, 0);
        ApiDefinition api = new ApiDefinition("orders", "orders", "1", null, "/orders", true,
                List.of(new io.gatehouse.protocol.config.UpstreamTarget(upstream.url(), 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null);
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api), List.of(PLAN), List.of(key("k", KEY, "app", null)),
                List.of(new SubscriptionGrant("sub-orders", "app", "orders", PLAN.id(), null)));
        startNode(snapshot, Map.of());
        int port = node.settings().proxyPort();
        String body = "{\"item\":\"sku-42\",\"quantity\":3}";
        String head = "POST /orders/new HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n";
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(5);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> clients = new java.util.ArrayList<>();
            for (int c = 0; c < 6; c++) {
                clients.add(pool.submit(() -> {
                    try (RawHttp connection = new RawHttp(port)) {
                        while (System.nanoTime() < deadline) {
                            RawHttp.Answer answer = connection.send(head).send(body).read(Duration.ofSeconds(10));
                            String outcome = answer.responses() != 1 ? "not one answer: " + answer.text()
                                    : answer.closed() ? "closed after " + answer.status() : String.valueOf(answer.status());
                            outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
                            if (answer.closed() || answer.responses() != 1) {
                                return null;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("keep-alive POSTs on raw connections over %.1f s: %s%n", seconds, outcomes);
        assertThat(outcomes.keySet()).containsOnly("200", "429");
        assertThat(outcomes.get("429").sum()).isGreaterThan(outcomes.get("200").sum());
        assertThat((double) outcomes.get("200").sum()).isLessThanOrEqualTo(PLAN.ratePerSecond() * seconds + PLAN.burst());
    }
}
