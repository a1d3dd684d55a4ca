package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.testing.KafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static io.gatehouse.system.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kubernetes stops a gateway pod under load: SIGTERM to the node's own JVM while clients call it without pause and
 * every client has a request in flight. Readiness goes down, the node takes no new connection, the requests in
 * flight are answered, and before the process exits the usage of every answered request is stored by the control
 * plane and every audit record is in Kafka. No client request fails; a client only finds the port closed when it
 * opens a new connection, as it would with any stopped pod behind a Service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulDrainTest {
    private static final int CLIENTS = 4;
    private static final long DRAIN_TIMEOUT_MS = 10_000;
    @TempDir
    static Path dir;
    Platform platform;
    KafkaBroker kafka;
    GateUpstream upstream;
    GatewayProcess node;

    @BeforeAll
    void start() throws Exception {
        kafka = new KafkaBroker(dir.resolve("kafka")).start();
        platform = new Platform(dir);
        upstream = new GateUpstream();
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        upstream.close();
        platform.close();
        kafka.close();
    }

    @Test
    void aGatewayStoppedUnderLoadFailsNoRequestAndLeavesNothingUnsent() throws Exception {
        Platform.Tenant tenant = platform.newTenant("drain", Map.of("ratePerSecond", 200, "burst", 20, "monthlyQuota", 1_000_000,
                "quotaMode", "HARD", "failureMode", "OPEN"), upstream.url());
        String key = tenant.key();
        // The access log goes to stdout, as in a container: the log file is what a log collector would read.
        node = new GatewayProcess(platform, "edge-drain", Map.of("GATEHOUSE_AUDIT_ENABLED", "true",
                "GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", kafka.bootstrap(), "GATEHOUSE_DRAIN_TIMEOUT_MS", String.valueOf(DRAIN_TIMEOUT_MS)),
                Path.of("target", "drained-node.log")).start();

        URI uri = node.uri(tenant.basePath() + "/orders");
        Clients clients = new Clients(uri, key);
        await(Duration.ofSeconds(60), "the node process to serve the API", () -> clients.callOnce(-1, 0) == 200);
        clients.start();
        try {
            await(Duration.ofSeconds(60), "traffic through the node", () -> clients.answered.sum() >= 200);

            // Every client has a request in flight, held by the upstream, when the node is told to stop.
            upstream.hold();
            await(Duration.ofSeconds(30), "each client's request held at the upstream", () -> upstream.held.get() == CLIENTS);
            long stopping = System.nanoTime();
            node.terminate(); // SIGTERM
            await(Duration.ofSeconds(5), "readiness down while the node drains", () -> node.readiness() == 503);
            assertThat(node.alive()).as("the node waits for its requests in flight").isTrue();
            long answeredBeforeRelease = clients.answered.sum();
            upstream.release();

            assertThat(node.awaitExit(Duration.ofMillis(DRAIN_TIMEOUT_MS + 30_000))).as("the node exits").isTrue();
            long exitedMs = (System.nanoTime() - stopping) / 1_000_000;
            System.out.printf("node exited %d ms after SIGTERM (exit code %d); clients: %s%n", exitedMs, node.exitValue(), clients);
            assertThat(exitedMs).as("exit within the drain timeout").isLessThan(DRAIN_TIMEOUT_MS);
            assertThat(clients.answered.sum() - answeredBeforeRelease).as("the requests in flight at SIGTERM were answered")
                    .isGreaterThanOrEqualTo(CLIENTS);
        } finally {
            clients.stop();
        }
        assertThat(clients.count("failed")).as("client requests that failed: " + clients.failures).isZero();
        assertThat(clients.count("200 body lost")).isZero();
        assertThat(clients.count("refused")).as("every client then found the port closed for new connections").isEqualTo(CLIENTS);
        assertThat(clients.count("429 rate_limited") + clients.answered.sum()).isPositive();

        // Stored by the control plane before the process exited: read right away, not waited for.
        JsonNode usage = platform.admin.get("/admin/consumers/" + tenant.consumerId() + "/usage").body();
        System.out.printf("answered: %d; stored usage: %d admitted, %d refused%n", clients.answered.sum(),
                usage.path("admitted").asLong(), usage.path("refused").asLong());
        assertThat(usage.path("admitted").asLong()).as("usage of every answered request stored before exit").isEqualTo(clients.answered.sum());
        try (Spool spool = new Spool(node.dataDir.resolve("audit-spool"), 1L << 30, 64L << 20)) {
            assertThat(spool.depth()).as("audit records left unshipped in the spool at exit").isZero();
        }
        String output = node.output();
        assertThat(output).contains("drained its proxy connections").contains("audit spool flushed to Kafka");
        // The node's whole output, access log included, never holds the key nor an Authorization value.
        assertThat(output).doesNotContain(key).doesNotContain("Bearer ");
    }

    /**
     * Clients posting JSON bodies without pause on keep-alive connections. A refused new connection ends a client
     * (the pod is gone: a real client would go to another one); any other failure is a failed request.
     */
    static final class Clients {
        final URI uri;
        final String key;
        final LongAdder answered = new LongAdder();
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);

        Clients(URI uri, String key) {
            this.uri = uri;
            this.key = key;
        }

        void start() {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                pool.submit(() -> {
                    for (long i = 1; ; i++) {
                        if (callOnce(client, i) == -1) {
                            return null;
                        }
                    }
                });
            }
        }

        /** One POST, its outcome counted; returns the status, or -1 once the node refuses the connection or fails. */
        int callOnce(int client, long order) {
            String body = "{\"client\":" + client + ",\"order\":" + order + "}";
            String outcome;
            int status;
            try {
                HttpResponse<String> response = GateUpstream.post(uri, key, body);
                status = response.statusCode();
                outcome = GateUpstream.outcome(response, body);
                if (outcome.equals("200")) {
                    answered.increment();
                }
            } catch (ConnectException e) {
                outcome = "refused";
                status = -1;
            } catch (IOException e) {
                outcome = "failed";
                failures.add(e.toString());
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            if (order > 0) {
                outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
            }
            return status;
        }

        long count(String outcome) {
            LongAdder adder = outcomes.get(outcome);
            return adder == null ? 0 : adder.sum();
        }

        void stop() throws InterruptedException {
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }

        @Override
        public String toString() {
            Map<String, Long> counts = new HashMap<>();
            outcomes.forEach((k, v) -> counts.put(k, v.sum()));
            return counts.toString();
        }
    }
}
