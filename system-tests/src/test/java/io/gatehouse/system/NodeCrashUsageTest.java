package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.testing.KafkaBroker;
import io.gatehouse.audit.verify.ExportVerifier;
import io.gatehouse.audit.verify.Verification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static io.gatehouse.system.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway node as its own process, killed with SIGKILL while clients keep calling and restarted on its data
 * directory: every request a client saw answered is counted once in the control plane's usage and quota, none lost
 * with the process and none counted twice when the node sends its spooled reports again. The node's audit trail goes
 * the whole way too, through a real Kafka broker: every answer has its batch-signed record stored once, and the spool
 * as it was at the kill, sent again in full, stores nothing twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeCrashUsageTest {
    private static final int CLIENTS = 4;
    private static final long QUOTA = 100_000;
    @TempDir
    static Path dir;
    Platform platform;
    GateUpstream upstream;
    GatewayProcess node;
    KafkaBroker kafka;

    @BeforeAll
    void start() throws Exception {
        kafka = new KafkaBroker(dir.resolve("kafka")).start();
        platform = new Platform(dir, Map.of("GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", kafka.bootstrap(),
                "GATEHOUSE_AUDIT_EXPORT_DIR", dir.resolve("audit-exports").toString()));
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
    void aGatewayKilledMidTrafficAndRestartedCountsEveryAnsweredRequestOnce() throws Exception {
        Platform.Tenant tenant = platform.newTenant("crash", Map.of("ratePerSecond", 20, "burst", 5, "monthlyQuota", QUOTA,
                "quotaMode", "HARD", "failureMode", "OPEN"), upstream.url());
        node = new GatewayProcess(platform, "edge-crash", Map.of("GATEHOUSE_AUDIT_ENABLED", "true",
                "GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", kafka.bootstrap()), Path.of("target", "crashed-node.log"));
        // The node's audit key, made in its data directory before its first start and registered, so that the
        // control plane accepts its records from the first one.
        NodeKeys keys = NodeKeys.loadOrCreate(node.dataDir);
        assertThat(platform.admin.put("/admin/nodes/" + node.nodeId + "/audit-key", Map.of("publicKey", keys.publicKeyBase64())).status())
                .isEqualTo(201);
        node.start();
        Clients clients = new Clients(node, tenant);
        await(Duration.ofSeconds(30), "the node process to serve the API", () -> clients.callOnce(0, 0) == 200);
        clients.start();
        try {
            await(Duration.ofSeconds(60), "traffic through the node, some of it refused by the rate limit",
                    () -> clients.answered.sum() >= 100 && clients.count("429 rate_limited") > 0);

            // Without its control plane the node keeps serving (failure mode OPEN) and cannot have its reports
            // acknowledged: they wait in its spool.
            platform.stopControlPlane();
            long beforeOutage = clients.answered.sum();
            await(Duration.ofSeconds(60), "traffic during the outage", () -> clients.answered.sum() >= beforeOutage + 200);

            // Every client has a request in flight, forwarded and held by the upstream: the node is mid-traffic and
            // has nothing left to count until it is killed.
            upstream.hold();
            await(Duration.ofSeconds(30), "each client's request held at the upstream", () -> upstream.held.get() == CLIENTS);
            long answeredBeforeKill = clients.answered.sum();
            try {
                await(Duration.ofSeconds(10), "the node to have spooled what it counted",
                        () -> usage().path("admittedSpooled").asLong() == answeredBeforeKill);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": answered " + answeredBeforeKill + ", node usage " + usage(), e);
            }
            long answersBeforeKill = clients.answers();
            try {
                await(Duration.ofSeconds(10), "the node to have spooled the audit record of every answer",
                        () -> audit().path("written").asLong() == answersBeforeKill);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": answers " + answersBeforeKill + ", node audit " + audit(), e);
            }
            long waiting = usage().path("reportsWaiting").asLong();
            assertThat(waiting).as("reports only the spool holds when the node dies").isPositive();

            long errorsBeforeKill = clients.count("error");
            long killed = System.nanoTime();
            node.kill();
            copy(usageSpool(), dir.resolve("usage-spool-at-kill"));
            copy(auditSpool(), dir.resolve("audit-spool-at-kill"));
            upstream.release();
            platform.startControlPlane();
            node.start();
            await(Duration.ofSeconds(60), "the restarted node to serve again", () -> clients.answered.sum() > answeredBeforeKill);
            assertThat(clients.count("error") - errorsBeforeKill).as("requests in flight cut by the kill").isGreaterThanOrEqualTo(CLIENTS);
            System.out.printf("node killed with %d reports waiting in its spool; serving again %d ms later%n", waiting,
                    (System.nanoTime() - killed) / 1_000_000);
            // The status port opens a moment after the proxy port.
            await(Duration.ofSeconds(30), "the restarted node's status port", () -> !usage().isMissingNode());
            JsonNode restarted = usage();
            assertThat(restarted.path("reportsReplayed").asLong()).as("reports found in the spool at restart").isGreaterThanOrEqualTo(waiting);
            await(Duration.ofSeconds(60), "more traffic after the restart", () -> clients.answered.sum() >= answeredBeforeKill + 100);
        } finally {
            clients.stop();
        }
        System.out.println("clients: " + clients);
        long answered = clients.answered.sum();
        assertThat(clients.count("429 rate_limited")).as("the rate limit refused some requests").isPositive();

        String subscription = platform.admin.get("/admin/subscriptions?applicationId=" + tenant.applicationId()).body().path("items").path(0).path("id").asText();
        await(Duration.ofSeconds(30), "the node to have every report acknowledged",
                () -> usage().path("reportsWaiting").asLong() == 0 && usage().path("spoolDepth").asLong() == 0);
        JsonNode quota = platform.admin.get("/admin/subscriptions/" + subscription + "/quota").body();
        JsonNode usage = platform.admin.get("/admin/consumers/" + tenant.consumerId() + "/usage").body();
        System.out.printf("answered by the upstream: %d; stored usage: %d admitted, %d refused; quota %d, used %d, granted %d%n",
                answered, usage.path("admitted").asLong(), usage.path("refused").asLong(), quota.path("quota").asLong(),
                quota.path("used").asLong(), quota.path("granted").asLong());
        assertThat(usage.path("admitted").asLong()).as("stored usage equals the requests answered, none lost, none twice").isEqualTo(answered);
        assertThat(quota.path("used").asLong()).isEqualTo(answered);
        assertThat(quota.path("quota").asLong() - quota.path("used").asLong()).as("quota remaining").isEqualTo(QUOTA - answered);
        assertThat(clients.count("200 body lost")).isZero();
        // Refusals are counted apart and cost no quota. (Not compared exactly: the node may die between a refusal and
        // the next spool write, and no client waits for a refusal to be spooled.)
        assertThat(usage.path("refused").asLong()).as("refusals are counted apart").isPositive().isLessThanOrEqualTo(clients.refused());

        // Every answer the node gave, before the kill and after, has its audit record in the store, once.
        long answers = clients.answers();
        await(Duration.ofSeconds(90), "an audit record of every answer in the store", () -> storedAuditRecords()[0] >= answers);
        long[] stored = storedAuditRecords();
        System.out.printf("answers: %d; audit records stored: %d (%d request ids) in %d signed batches%n", answers, stored[0], stored[1], stored[2]);
        assertThat(stored[0]).as("audit records stored, none lost, none twice").isEqualTo(answers);
        assertThat(stored[1]).as("distinct request ids").isEqualTo(answers);
        assertThat(stored[2]).as("batch-signed: fewer signatures than records").isPositive().isLessThan(answers);
        assertThat(platform.admin.get("/admin/audit/ingest").body().path("rejected").asLong()).as("records refused at ingest").isZero();
        Path export = dir.resolve("audit-export.jsonl");
        Path manifest = dir.resolve("audit-export.manifest.json");
        exportAuditTrail(export, manifest);
        Verification verified = ExportVerifier.verify(export, manifest);
        assertThat(verified.ok()).as(verified.describe()).isTrue();
        assertThat(verified.verified()).isEqualTo(answers);

        // The audit spool as it was at the kill, its cursor gone: the node sends every record in it again.
        Path auditAtKill = dir.resolve("audit-spool-at-kill");
        Files.deleteIfExists(auditAtKill.resolve("cursor"));
        long resending;
        copy(auditAtKill, dir.resolve("audit-spool-probe"));
        try (Spool copy = new Spool(dir.resolve("audit-spool-probe"), 1L << 30, 64L << 20)) {
            resending = copy.depth();
        }
        assertThat(resending).as("records in the spool at the kill").isPositive();
        long duplicatesBefore = platform.admin.get("/admin/audit/ingest").body().path("duplicates").asLong();

        // The spool as it was at the kill, as if the acknowledgements since had never reached the node's disk: every
        // report in it is sent again, under the ids the control plane has already applied, and none is counted again.
        node.stop();
        deleteAll(usageSpool());
        copy(dir.resolve("usage-spool-at-kill"), usageSpool());
        deleteAll(auditSpool());
        copy(auditAtKill, auditSpool());
        node.start();
        await(Duration.ofSeconds(30), "the node with the old spool to start", () -> !usage().isMissingNode());
        long resent = usage().path("reportsReplayed").asLong();
        assertThat(resent).as("reports sent a second time").isPositive();
        await(Duration.ofSeconds(30), "the resent reports to be acknowledged",
                () -> usage().path("reportsWaiting").asLong() == 0 && usage().path("spoolDepth").asLong() == 0);
        JsonNode afterResend = platform.admin.get("/admin/consumers/" + tenant.consumerId() + "/usage").body();
        System.out.printf("%d reports sent again and acknowledged; stored usage still %d admitted%n", resent, afterResend.path("admitted").asLong());
        assertThat(afterResend.path("admitted").asLong()).as("resent reports are not counted twice").isEqualTo(answered);
        assertThat(afterResend.path("refused").asLong()).isEqualTo(usage.path("refused").asLong());

        await(Duration.ofSeconds(90), "the resent audit records to reach the store",
                () -> platform.admin.get("/admin/audit/ingest").body().path("duplicates").asLong() - duplicatesBefore >= resending);
        long duplicates = platform.admin.get("/admin/audit/ingest").body().path("duplicates").asLong() - duplicatesBefore;
        System.out.printf("%d audit records sent again: %d found already stored%n", resending, duplicates);
        assertThat(duplicates).as("every resent record found already stored").isGreaterThanOrEqualTo(resending);
        assertThat(storedAuditRecords()[0]).as("resent audit records are not stored twice").isEqualTo(answers);
        node.stop();
    }

    /** This node's stored audit records: count, distinct request ids, distinct signed batches. */
    private long[] storedAuditRecords() {
        try (Connection c = DriverManager.getConnection(platform.database.jdbcUrl(), "postgres", Platform.DATABASE_PASSWORD);
             PreparedStatement st = c.prepareStatement("select count(*), count(distinct request_id), count(distinct batch_id)"
                     + " from audit_records where node_id = ?")) {
            st.setString(1, node.nodeId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        } catch (SQLException e) {
            throw new AssertionError("audit store unreadable: " + e.getMessage(), e);
        }
    }

    /** An export of the whole test's time range (only this node wrote records), with its manifest, as compliance makes one. */
    private void exportAuditTrail(Path file, Path manifest) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        JsonNode created = platform.admin.post("/admin/audit/exports", Map.of("from", now.minus(Duration.ofHours(2)).toString(),
                "to", now.plus(Duration.ofHours(1)).toString(), "format", "jsonl")).body();
        String id = created.path("id").asText();
        for (String[] part : new String[][] {{"", file.toString()}, {"/manifest", manifest.toString()}}) {
            HttpResponse<Path> response = CLIENT.send(HttpRequest.newBuilder(URI.create(platform.controlPlaneUrl() + "/admin/audit/exports/" + id + part[0]))
                    .header("Authorization", "Bearer " + Platform.ADMIN_TOKEN).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofFile(Path.of(part[1])));
            assertThat(response.statusCode()).as("export " + id + part[0]).isEqualTo(200);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, to.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void deleteAll(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
    }

    /** The node's usage figures from its status endpoint (missing while it is down). */
    private JsonNode usage() {
        return node.status().path("controlPlane").path("usage");
    }

    /** The node's audit spool figures from its status endpoint (missing while it is down). */
    private JsonNode audit() {
        return node.status().path("audit").path("spool");
    }

    private Path usageSpool() {
        return node.dataDir.resolve("usage-spool");
    }

    private Path auditSpool() {
        return node.dataDir.resolve("audit-spool");
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Clients posting JSON bodies without pause, counting what they saw: answers of the upstream, refusals, errors. */
    static final class Clients {
        final GatewayProcess node;
        final Platform.Tenant tenant;
        final LongAdder answered = new LongAdder();
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        volatile boolean running = true;

        Clients(GatewayProcess node, Platform.Tenant tenant) {
            this.node = node;
            this.tenant = tenant;
        }

        Clients start() {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                pool.submit(() -> {
                    for (long i = 1; running; i++) {
                        int status = callOnce(client, i);
                        if (status == -1) {
                            // While the node is down, a client does not spin on refused connections.
                            TimeUnit.MILLISECONDS.sleep(20);
                        } else if (status != 200) {
                            // A refused client waits a moment, as a well-behaved one would after a 429.
                            TimeUnit.MILLISECONDS.sleep(5);
                        }
                    }
                    return null;
                });
            }
            return this;
        }

        /** One POST with a JSON body, its outcome counted; returns the status, or -1 when there was no answer. */
        int callOnce(int client, long order) {
            String body = "{\"client\":" + client + ",\"order\":" + order + ",\"note\":\"" + "x".repeat(900) + "\"}";
            String outcome;
            int status;
            try {
                HttpResponse<String> response = GateUpstream.post(node.uri(tenant.basePath() + "/orders"), tenant.key(), body);
                status = response.statusCode();
                outcome = GateUpstream.outcome(response, body);
                if (outcome.equals("200")) {
                    answered.increment();
                }
            } catch (IOException e) {
                outcome = "error";
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
            return status;
        }

        long count(String outcome) {
            LongAdder adder = outcomes.get(outcome);
            return adder == null ? 0 : adder.sum();
        }

        /** Requests the node answered, whatever the status (each has an audit record); not the ones cut or refused a connection. */
        long answers() {
            return outcomes.entrySet().stream().filter(e -> !e.getKey().equals("error")).mapToLong(e -> e.getValue().sum()).sum();
        }

        long refused() {
            return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("4") || e.getKey().startsWith("5"))
                    .mapToLong(e -> e.getValue().sum()).sum();
        }

        void stop() throws InterruptedException {
            running = false;
            pool.shutdown();
            assertThat(pool.awaitTermination(90, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            outcomes.forEach((k, v) -> out.append(out.isEmpty() ? "" : ", ").append(k).append(": ").append(v.sum()));
            return out.toString();
        }
    }
}
