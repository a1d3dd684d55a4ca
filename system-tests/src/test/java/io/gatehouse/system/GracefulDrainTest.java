package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.testing.KafkaBroker;
import io.gatehouse.protocol.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
    NodeCrashUsageTest.GateUpstream upstream;
    Process node;

    @BeforeAll
    void start() throws Exception {
        kafka = new KafkaBroker(dir.resolve("kafka")).start();
        platform = new Platform(dir);
        upstream = new NodeCrashUsageTest.GateUpstream();
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null && node.isAlive()) {
            node.destroyForcibly();
        }
        upstream.close();
        platform.close();
        kafka.close();
    }

    @Test
    void aGatewayStoppedUnderLoadFailsNoRequestAndLeavesNothingUnsent() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/drain-" + suffix;
        String apiId = platform.admin.create("/admin/apis", Map.of("name", "drain-" + suffix, "version", "1", "basePath", basePath,
                "status", "PUBLISHED", "targets", List.of(Map.of("url", upstream.url())))).path("id").asText();
        String planId = platform.admin.create("/admin/plans", Map.of("name", "plan-" + suffix, "ratePerSecond", 200, "burst", 20,
                "monthlyQuota", 1_000_000, "quotaMode", "HARD", "failureMode", "OPEN")).path("id").asText();
        String consumerId = platform.admin.create("/admin/consumers", Map.of("username", "dev-" + suffix)).path("id").asText();
        String appId = platform.admin.create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app")).path("id").asText();
        platform.admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        String key = platform.admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();

        String nodeId = "edge-drain";
        Path dataDir = dir.resolve(nodeId);
        int proxyPort = Platform.freePort();
        int statusPort = Platform.freePort();
        Path log = Path.of("target", "drained-node.log");
        Files.deleteIfExists(log);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.gatehouse.gateway.GatewayMain");
        Map<String, String> env = builder.environment();
        env.put("GATEHOUSE_PROXY_HOST", "127.0.0.1");
        env.put("GATEHOUSE_PROXY_PORT", String.valueOf(proxyPort));
        env.put("GATEHOUSE_STATUS_PORT", String.valueOf(statusPort));
        env.put("GATEHOUSE_CONTROL_PLANE_URL", platform.controlPlaneUrl());
        env.put("GATEHOUSE_NODE_TOKEN", platform.credential(nodeId));
        env.put("GATEHOUSE_NODE_ID", nodeId);
        env.put("GATEHOUSE_DATA_DIR", dataDir.toString());
        env.put("GATEHOUSE_EVENT_LOOPS", "2");
        env.put("GATEHOUSE_CONFIG", "/nonexistent");
        env.put("GATEHOUSE_AUDIT_ENABLED", "true");
        env.put("GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", kafka.bootstrap());
        env.put("GATEHOUSE_DRAIN_TIMEOUT_MS", String.valueOf(DRAIN_TIMEOUT_MS));
        // The access log goes to stdout, as in a container: the log file is what a log collector would read.
        node = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();

        URI uri = URI.create("http://127.0.0.1:" + proxyPort + basePath + "/orders");
        Clients clients = new Clients(uri, key);
        await(Duration.ofSeconds(60), "the node process to serve the API", () -> clients.callOnce(-1, 0) == 200);
        clients.start();
        try {
            await(Duration.ofSeconds(60), "traffic through the node", () -> clients.answered.sum() >= 200);

            // Every client has a request in flight, held by the upstream, when the node is told to stop.
            upstream.hold();
            await(Duration.ofSeconds(30), "each client's request held at the upstream", () -> upstream.held.get() == CLIENTS);
            long stopping = System.nanoTime();
            node.destroy(); // SIGTERM
            await(Duration.ofSeconds(5), "readiness down while the node drains", () -> readiness(statusPort) == 503);
            assertThat(node.isAlive()).as("the node waits for its requests in flight").isTrue();
            long answeredBeforeRelease = clients.answered.sum();
            upstream.release();

            assertThat(node.waitFor(DRAIN_TIMEOUT_MS + 30_000, TimeUnit.MILLISECONDS)).as("the node exits").isTrue();
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
        JsonNode usage = platform.admin.get("/admin/consumers/" + consumerId + "/usage").body();
        System.out.printf("answered: %d; stored usage: %d admitted, %d refused%n", clients.answered.sum(),
                usage.path("admitted").asLong(), usage.path("refused").asLong());
        assertThat(usage.path("admitted").asLong()).as("usage of every answered request stored before exit").isEqualTo(clients.answered.sum());
        try (Spool spool = new Spool(dataDir.resolve("audit-spool"), 1L << 30, 64L << 20)) {
            assertThat(spool.depth()).as("audit records left unshipped in the spool at exit").isZero();
        }
        String output = Files.readString(log);
        assertThat(output).contains("drained its proxy connections").contains("audit spool flushed to Kafka");
        // The node's whole output, access log included, never holds the key nor an Authorization value.
        assertThat(output).doesNotContain(key).doesNotContain("Bearer ");
    }

    private static int readiness(int statusPort) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/status/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

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
                HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(uri).header("X-API-Key", key)
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (status == 200) {
                    outcome = response.body().equals("received " + body.getBytes(StandardCharsets.UTF_8).length) ? "200" : "200 body lost";
                    if (outcome.equals("200")) {
                        answered.increment();
                    }
                } else {
                    outcome = status + " " + Json.read(response.body(), JsonNode.class).path("code").asText();
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
