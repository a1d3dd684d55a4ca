package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * Concurrent clients spread over several gateway nodes, counting answers by status and error code. Bounded: every
 * run stops after its request budget or its time, whichever comes first.
 */
final class Load {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    final AtomicLong firstSentNanos = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong lastAdmittedNanos = new AtomicLong();
    final LongAdder sent = new LongAdder();
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
                URI uri = URI.create("http://127.0.0.1:" + node.settings().proxyPort() + path);
                for (int c = 0; c < clientsPerNode; c++) {
                    clients.add(pool.submit(() -> {
                        while (System.nanoTime() < deadline && budget.decrementAndGet() >= 0 && !stop.getAsBoolean()) {
                            long start = System.nanoTime();
                            firstSentNanos.accumulateAndGet(start, Math::min);
                            sent.increment();
                            String outcome;
                            try {
                                HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("X-API-Key", key).timeout(Duration.ofSeconds(10));
                                if (body != null) {
                                    request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
                                }
                                HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
                                outcome = response.statusCode() == 200 ? "200"
                                        : response.statusCode() + " " + Http.json(response).path("code").asText();
                                if (response.statusCode() == 200) {
                                    lastAdmittedNanos.accumulateAndGet(System.nanoTime(), Math::max);
                                }
                            } catch (Exception e) {
                                outcome = "error " + e.getClass().getSimpleName();
                            }
                            outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
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

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("sent " + sent.sum());
        outcomes.forEach((k, v) -> out.append(", ").append(k).append(": ").append(v.sum()));
        return out.toString();
    }
}
