package io.gatehouse.management;

import io.gatehouse.protocol.limits.QuotaPeriod;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.gatehouse.protocol.usage.UsageRecord;
import io.gatehouse.protocol.usage.VariantCounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.assertError;
import static io.gatehouse.management.AdminApiTest.configVersion;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The config channel as a misbehaving node would use it: every gateway node has its own credential bound to its
 * id, and every message it sends is checked before anything acts on it.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class NodeChannelTest {

    @TestHTTPResource("/")
    URI base;

    record Credential(String id, String nodeId, String token) {
    }

    static Credential issue(String nodeId) {
        Response issued = admin().body(Map.of("nodeId", nodeId)).post("/admin/nodes/credentials");
        assertThat(issued.statusCode()).as(issued.asString()).isEqualTo(201);
        assertThat(issued.header("Cache-Control")).isEqualTo("no-store");
        return new Credential(issued.jsonPath().getString("id"), nodeId, issued.jsonPath().getString("token"));
    }

    TestNode connect(Credential credential) throws Exception {
        TestNode node = TestNode.connect(base, credential.token(), credential.nodeId());
        node.send(new NodeMessage.Hello(credential.nodeId(), 0, null, "test"));
        return node;
    }

    static int refusedUpgrade(URI base, String token, String nodeId) {
        try (TestNode node = TestNode.connect(base, token, nodeId)) {
            throw new AssertionError("the config channel opened for " + nodeId);
        } catch (TestNode.UpgradeRefused refused) {
            return refused.status;
        }
    }

    /** A published API, a plan with a rate and a quota, and an application subscribed to it, in the gateways' config. */
    record Tenant(String apiId, String planId, String consumerId, String applicationId, String subscriptionId) {
        UsageRecord usage(long admitted, long refused) {
            return new UsageRecord(subscriptionId, consumerId, applicationId, apiId, planId, Instant.now().truncatedTo(ChronoUnit.HOURS),
                    admitted, refused);
        }
    }

    Tenant tenant() throws Exception {
        String apiId = create("/admin/apis", AdminApiTest.apiBody(unique("orders"), "/" + unique("orders"), "PUBLISHED"));
        String planId = create("/admin/plans", Map.of("name", unique("gold"), "ratePerSecond", 10, "burst", 5,
                "monthlyQuota", 1000, "quotaMode", "HARD"));
        String consumerId = create("/admin/consumers", Map.of("username", unique("dev")));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app"));
        String subscriptionId = create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        awaitPublished(subscriptionId);
        return new Tenant(apiId, planId, consumerId, appId, subscriptionId);
    }

    /**
     * Waits until the published config holds the subscription (admin changes publish asynchronously): the control
     * plane grants a rate share for a subscription only once it is in the config.
     */
    void awaitPublished(String subscriptionId) throws Exception {
        try (TestNode probe = connect(issue(unique("probe")))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (long request = 1; ; request++) {
                probe.send(new NodeMessage.RateLeaseRequest(request, subscriptionId, 1, 0));
                if (probe.next(ControlMessage.RateLease.class).ratePerSecond() > 0) {
                    return;
                }
                assertThat(System.nanoTime()).as("subscription published within 5 s").isLessThan(deadline);
            }
        }
    }

    static long granted(String subscriptionId) {
        return admin().get("/admin/subscriptions/" + subscriptionId + "/quota").jsonPath().getLong("granted");
    }

    static long used(String subscriptionId) {
        return admin().get("/admin/subscriptions/" + subscriptionId + "/quota").jsonPath().getLong("used");
    }

    static Instant periodStart() {
        return QuotaPeriod.containing(Instant.now(), null).start();
    }

    @Test
    void aNodeConnectsOnlyWithItsOwnCredentialAndOnlyUnderTheIdItIsBoundTo() throws Exception {
        Credential edge = issue(unique("edge"));
        Credential other = issue(unique("edge"));
        assertThat(edge.token()).startsWith("ghn_");
        assertThat(admin().get("/admin/nodes/credentials?nodeId=" + edge.nodeId()).asString())
                .contains(edge.id()).contains("ACTIVE").doesNotContain(edge.token());

        assertThat(refusedUpgrade(base, null, edge.nodeId())).isEqualTo(401);
        assertThat(refusedUpgrade(base, "ghn_not-a-credential", edge.nodeId())).isEqualTo(401);
        // The other node's credential cannot pose as this node.
        assertThat(refusedUpgrade(base, other.token(), edge.nodeId())).isEqualTo(403);

        try (TestNode node = connect(edge)) {
            assertThat(node.next(ControlMessage.Snapshot.class).snapshot().version()).isPositive();
            // A hello naming another node is refused and the connection closed.
            node.send(new NodeMessage.Hello(other.nodeId(), 0, null, "test"));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("node_id_mismatch");
            node.awaitClosed();
        }
        assertError(admin().body(Map.of("nodeId", "edge one/../x")).post("/admin/nodes/credentials"), 400, "invalid_node_id");
        assertError(admin().body(Map.of()).post("/admin/nodes/credentials"), 400, "invalid_node_id");
    }

    @Test
    void oneNodeCannotDisconnectAnotherByUsingItsId() throws Exception {
        Credential victim = issue(unique("edge"));
        Credential attacker = issue(unique("edge"));
        try (TestNode node = connect(victim)) {
            node.next(ControlMessage.Snapshot.class);
            assertThat(refusedUpgrade(base, attacker.token(), victim.nodeId())).isEqualTo(403);
            // Still connected and answered.
            node.send(new NodeMessage.Heartbeat(0));
            node.send(new NodeMessage.QuotaLeaseRequest(7, UUID.randomUUID().toString(), periodStart(), 1));
            assertThat(node.next(ControlMessage.QuotaLease.class).requestId()).isEqualTo(7);
            assertThat(node.open()).isTrue();
            assertThat(admin().get("/admin/nodes").jsonPath().getList("items.findAll { it.nodeId == '" + victim.nodeId() + "' }.connected"))
                    .containsExactly(true);
        }
    }

    /**
     * A node that hangs up while its credential is checked and dials again can see the abandoned dial's upgrade go
     * through after its new connection is up. That connection never says hello; the node's live one must stay. The
     * node's place passes to a new connection when it says hello, as a node that really reconnects does at once.
     */
    @Test
    void aConnectionThatNeverSaysHelloDoesNotDisplaceTheNodesLiveOne() throws Exception {
        Credential credential = issue(unique("redial"));
        try (TestNode live = connect(credential)) {
            live.next(ControlMessage.Snapshot.class);
            try (TestNode late = TestNode.connect(base, credential.token(), credential.nodeId())) {
                // A refused message and its answer on each: the late connection's open has been handled, and the live
                // one is still served after it.
                assertRefused(late);
                assertRefused(live);
                assertThat(live.open()).isTrue();
                assertThat(admin().get("/admin/nodes").jsonPath().getList("items.findAll { it.nodeId == '" + credential.nodeId() + "' }.connected"))
                        .containsExactly(true);
                // Once it says hello it is the node's connection, and the other is let go.
                late.send(new NodeMessage.Hello(credential.nodeId(), 0, null, "test"));
                late.next(ControlMessage.Snapshot.class);
                assertThat(live.awaitClosed()).isNotNegative();
                assertRefused(late);
            }
        }
    }

    private static void assertRefused(TestNode node) throws InterruptedException {
        node.send(new NodeMessage.RateLeaseRequest(1, "not-a-subscription-id", 1, 0));
        assertThat(node.next(ControlMessage.Refused.class).refusedType()).isNotNull();
    }

    @jakarta.inject.Inject
    io.gatehouse.management.sync.NodeRegistry registry;

    /**
     * A hung node keeps its TCP connection open: silence is the only sign. The sweep that runs every third of the
     * silence timeout closes the connections of nodes silent since its cutoff; called here with a cutoff between
     * one node's last message and the other's.
     */
    @Test
    void aNodeSilentSinceTheCutoffIsDisconnectedAndOneThatSpokeIsKept() throws Exception {
        Credential quietOne = issue(unique("quiet"));
        Credential chattyOne = issue(unique("chatty"));
        try (TestNode quiet = connect(quietOne); TestNode chatty = connect(chattyOne)) {
            quiet.next(ControlMessage.Snapshot.class);
            chatty.next(ControlMessage.Snapshot.class);
            Instant quietLastSeen = registry.list(null).stream().filter(v -> v.nodeId().equals(quietOne.nodeId())).findFirst()
                    .orElseThrow().lastSeen();
            Instant cutoff = Instant.now();
            while (!cutoff.isAfter(quietLastSeen)) {
                cutoff = Instant.now();
            }
            chatty.send(new NodeMessage.Heartbeat(0));
            // Answered in order: once the lease comes back, the heartbeat before it has been taken in.
            chatty.send(new NodeMessage.QuotaLeaseRequest(3, UUID.randomUUID().toString(), periodStart(), 1));
            assertThat(chatty.next(ControlMessage.QuotaLease.class).requestId()).isEqualTo(3);

            assertThat(registry.closeSilent(cutoff)).contains(quietOne.nodeId()).doesNotContain(chattyOne.nodeId());
            // The next sweep, before the close completes or after, does not close (and log) it again.
            assertThat(registry.closeSilent(cutoff)).doesNotContain(quietOne.nodeId());
            quiet.awaitClosed();
            assertThat(chatty.open()).isTrue();
            assertThat(admin().get("/admin/nodes").jsonPath().getList("items.findAll { it.nodeId == '" + quietOne.nodeId() + "' }.connected"))
                    .containsExactly(false);
            assertThat(admin().get("/admin/nodes").jsonPath().getList("items.findAll { it.nodeId == '" + chattyOne.nodeId() + "' }.connected"))
                    .containsExactly(true);
        }
    }

    /**
     * A node whose connection is reset (its host went away, or a network in between) is shown disconnected and logged
     * once as a lost connection; and one that hangs up while its credential is being checked is let go quietly. The
     * WebSocket layer logged both as ERRORs with stack traces.
     */
    @Test
    void aNodeThatHangsUpOrWhoseConnectionIsResetIsLetGoWithoutAnErrorLogged() throws Exception {
        Credential hangsUp = issue(unique("hangs-up"));
        Credential edge = issue(unique("reset"));
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try {
            // Each closed at once, while the control plane checks the credential. A check that finishes before the
            // close is seen lets the upgrade go on, as it must; five tries make sure at least one is caught.
            for (int i = 0; i < 5; i++) {
                upgradeRequest(hangsUp).close();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (logged(records, "ended before its check completed", null) == 0) {
                assertThat(System.nanoTime()).as("a hang-up let go within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }

            try (java.net.Socket socket = upgradeRequest(edge)) {
                String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                        java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                assertThat(status).startsWith("HTTP/1.1 101");
                awaitNode(edge.nodeId(), true);
                socket.setSoLinger(true, 0); // the close sends a reset
            }
            awaitNode(edge.nodeId(), false);
            assertThat(logged(records, "connection lost", edge.nodeId())).as("the reset, logged once by the channel").isEqualTo(1);
            assertThat(records).filteredOn(r -> r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .extracting(r -> r.getLoggerName() + ": " + r.getMessage())
                    .noneMatch(m -> m.contains("Unhandled error") || m.contains("Mutiny had to drop"));
        } finally {
            root.removeHandler(capture);
        }
    }

    /** Records whose message has {@code text}, naming {@code parameter} (in the message or its parameters) when one is given. */
    private static long logged(List<java.util.logging.LogRecord> records, String text, String parameter) {
        return records.stream().filter(r -> r.getMessage() != null && r.getMessage().contains(text))
                .filter(r -> parameter == null || r.getMessage().contains(parameter)
                        || (r.getParameters() != null && Arrays.asList(r.getParameters()).contains(parameter)))
                .count();
    }

    /** A raw upgrade request on the config channel, as a node sends it; the caller reads or drops the answer. */
    private java.net.Socket upgradeRequest(Credential credential) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort());
        socket.getOutputStream().write(("GET " + SyncChannel.PATH + " HTTP/1.1\r\nHost: " + base.getAuthority()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " + credential.token() + "\r\n"
                + SyncChannel.NODE_ID_HEADER + ": " + credential.nodeId() + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return socket;
    }

    private static void awaitNode(String nodeId, boolean connected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!admin().get("/admin/nodes").jsonPath().getList("items.findAll { it.nodeId == '" + nodeId + "' }.connected")
                .contains(connected)) {
            assertThat(System.nanoTime()).as("node %s connected=%s within 10 s", nodeId, connected).isLessThan(deadline);
            Thread.sleep(20); // a poll interval, not a wait for the condition: the loop checks it
        }
    }

    @Test
    void revokingACredentialDisconnectsItsNodeAtOnceAndForGood() throws Exception {
        Credential edge = issue(unique("edge"));
        try (TestNode node = connect(edge)) {
            node.next(ControlMessage.Snapshot.class);
            long started = System.nanoTime();
            Response revoked = admin().delete("/admin/nodes/credentials/" + edge.id());
            assertThat(revoked.statusCode()).as(revoked.asString()).isEqualTo(200);
            assertThat(revoked.jsonPath().getString("state")).isEqualTo("REVOKED");
            node.awaitClosed();
            System.out.printf("revoked credential: node disconnected after %d ms%n", (System.nanoTime() - started) / 1_000_000);
        }
        assertThat(refusedUpgrade(base, edge.token(), edge.nodeId())).isEqualTo(401);
        assertError(admin().delete("/admin/nodes/credentials/" + UUID.randomUUID()), 404, "not_found");
    }

    @Test
    void aNodeCanGiveBackOnlyTheQuotaItWasLeased() throws Exception {
        Tenant tenant = tenant();
        Credential edge = issue(unique("edge"));
        Credential other = issue(unique("edge"));
        try (TestNode node = connect(edge); TestNode otherNode = connect(other)) {
            node.send(new NodeMessage.QuotaLeaseRequest(1, tenant.subscriptionId(), periodStart(), 100));
            ControlMessage.QuotaLease lease = node.next(ControlMessage.QuotaLease.class);
            assertThat(lease.units()).isEqualTo(100);
            assertThat(granted(tenant.subscriptionId())).isEqualTo(100);

            // A huge return would reset the ledger; a negative lease would shrink it.
            node.send(new NodeMessage.QuotaReturn(tenant.subscriptionId(), periodStart(), 1_000_000));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("return_exceeds_lease");
            node.send(new NodeMessage.QuotaLeaseRequest(2, tenant.subscriptionId(), periodStart(), -1_000));
            ControlMessage.Refused negative = node.next(ControlMessage.Refused.class);
            assertThat(negative.code()).isEqualTo("invalid_count");
            assertThat(negative.requestId()).isEqualTo(2);
            // Another node cannot give back what this one holds.
            otherNode.send(new NodeMessage.QuotaReturn(tenant.subscriptionId(), periodStart(), 50));
            assertThat(otherNode.next(ControlMessage.Refused.class).code()).isEqualTo("return_exceeds_lease");
            assertThat(granted(tenant.subscriptionId())).isEqualTo(100);

            // What it does hold it can give back, once.
            node.send(new NodeMessage.QuotaReturn(tenant.subscriptionId(), periodStart(), 60));
            awaitGranted(tenant.subscriptionId(), 40);
            node.send(new NodeMessage.QuotaReturn(tenant.subscriptionId(), periodStart(), 60));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("return_exceeds_lease");
            assertThat(granted(tenant.subscriptionId())).isEqualTo(40);
        }
    }

    static void awaitGranted(String subscriptionId, long expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (granted(subscriptionId) != expected) {
            assertThat(System.nanoTime()).as("ledger at " + expected).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void negativeOrForeignUsageIsRefusedAndNothingOfItIsStored() throws Exception {
        Tenant tenant = tenant();
        Tenant someoneElse = tenant();
        Credential edge = issue(unique("edge"));
        try (TestNode node = connect(edge)) {
            node.send(new NodeMessage.UsageReport("b-negative", List.of(tenant.usage(5, 0), tenant.usage(-1_000_000, 0))));
            ControlMessage.Refused negative = node.next(ControlMessage.Refused.class);
            assertThat(negative.code()).isEqualTo("invalid_count");
            assertThat(negative.batchId()).isEqualTo("b-negative");

            UsageRecord mine = tenant.usage(5, 0);
            UsageRecord foreignConsumer = new UsageRecord(tenant.subscriptionId(), someoneElse.consumerId(), tenant.applicationId(),
                    tenant.apiId(), tenant.planId(), mine.hour(), 5, 0);
            node.send(new NodeMessage.UsageReport("b-foreign", List.of(mine, foreignConsumer)));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("foreign_usage");
            UsageRecord unknown = new UsageRecord(UUID.randomUUID().toString(), tenant.consumerId(), tenant.applicationId(),
                    tenant.apiId(), tenant.planId(), mine.hour(), 5, 0);
            node.send(new NodeMessage.UsageReport("b-unknown", List.of(unknown)));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("foreign_usage");
            assertThat(used(tenant.subscriptionId())).isZero();

            node.send(new NodeMessage.UsageReport("b-good", List.of(tenant.usage(7, 1))));
            assertThat(node.next(ControlMessage.UsageAck.class).batchId()).isEqualTo("b-good");
            assertThat(used(tenant.subscriptionId())).isEqualTo(7);
        }
        // Batch ids are per node: another node's batch with the same id is its own, and counts.
        Credential second = issue(unique("edge"));
        try (TestNode node = connect(second)) {
            node.send(new NodeMessage.UsageReport("b-good", List.of(tenant.usage(3, 0))));
            assertThat(node.next(ControlMessage.UsageAck.class).batchId()).isEqualTo("b-good");
            assertThat(used(tenant.subscriptionId())).isEqualTo(10);
        }
    }

    @Test
    void aSpooledUsageReportSentAgainAfterANodeRestartIsAcknowledgedAndCountedOnce() throws Exception {
        Tenant tenant = tenant();
        Credential edge = issue(unique("edge"));
        long sequence = System.currentTimeMillis() * 1_000;
        NodeMessage.UsageReport report = new NodeMessage.UsageReport("report-" + sequence, List.of(tenant.usage(40, 3)), sequence);
        try (TestNode node = connect(edge)) {
            node.send(report);
            assertThat(node.next(ControlMessage.UsageAck.class).batchId()).isEqualTo(report.batchId());
            assertThat(used(tenant.subscriptionId())).isEqualTo(40);
        }
        // The node was killed before the acknowledgement reached its spool: it restarts and sends the report again,
        // under the same sequence (a new batch id, too: the sequence alone is the report's id).
        try (TestNode restarted = connect(edge)) {
            restarted.send(new NodeMessage.UsageReport("report-again-" + sequence, report.records(), sequence));
            assertThat(restarted.next(ControlMessage.UsageAck.class).batchId()).isEqualTo("report-again-" + sequence);
            assertThat(used(tenant.subscriptionId())).as("a resent report is not counted twice").isEqualTo(40);

            restarted.send(new NodeMessage.UsageReport("report-" + (sequence + 1), List.of(tenant.usage(2, 0)), sequence + 1));
            assertThat(restarted.next(ControlMessage.UsageAck.class).batchId()).isEqualTo("report-" + (sequence + 1));
            assertThat(used(tenant.subscriptionId())).isEqualTo(42);

            restarted.send(new NodeMessage.UsageReport("report-negative", List.of(tenant.usage(1, 0)), -1L));
            assertThat(restarted.next(ControlMessage.Refused.class).code()).isEqualTo("invalid_sequence");
        }
        // Report ids are per node: another node's report with the same sequence is its own, and counts.
        try (TestNode other = connect(issue(unique("edge")))) {
            other.send(new NodeMessage.UsageReport("report-" + sequence, List.of(tenant.usage(5, 0)), sequence));
            assertThat(other.next(ControlMessage.UsageAck.class).batchId()).isEqualTo("report-" + sequence);
            assertThat(used(tenant.subscriptionId())).isEqualTo(47);
        }
        // Several copies of one report at once (a resend racing the original): still counted once.
        Credential racing = issue(unique("edge"));
        try (TestNode node = connect(racing)) {
            NodeMessage.UsageReport copy = new NodeMessage.UsageReport("report-" + sequence, List.of(tenant.usage(100, 0)), sequence);
            for (int i = 0; i < 5; i++) {
                node.send(copy);
            }
            for (int i = 0; i < 5; i++) {
                assertThat(node.next(ControlMessage.UsageAck.class).batchId()).isEqualTo(copy.batchId());
            }
            assertThat(used(tenant.subscriptionId())).isEqualTo(147);
        }
    }

    @Test
    void aMalformedVariantReportIsRefusedAndTheCanaryFiguresStillAnswer() throws Exception {
        Tenant tenant = tenant();
        Credential edge = issue(unique("edge"));
        try (TestNode node = connect(edge)) {
            node.send(new NodeMessage.VariantReport(List.of(new VariantCounts(tenant.apiId(), "canary", new long[] {5}))));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("invalid_counts");
            node.send(new NodeMessage.VariantReport(List.of(new VariantCounts(tenant.apiId(), "canary", null))));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("invalid_counts");
            long[] negative = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
            negative[0] = -5;
            node.send(new NodeMessage.VariantReport(List.of(new VariantCounts(tenant.apiId(), "canary", negative))));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("invalid_count");
            node.send(new NodeMessage.VariantReport(List.of(new VariantCounts(UUID.randomUUID().toString(), "canary", new long[16]))));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("unknown_api");
            node.sendRaw("{\"type\":\"variants\",\"variants\":[{\"apiId\":\"" + tenant.apiId() + "\",\"variant\":\"canary\",\"counts\":\"x\"}]}");
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("malformed_message");

            long[] good = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
            good[0] = 4;
            good[1] = 1;
            good[2 + 3] = 4;
            node.send(new NodeMessage.VariantReport(List.of(new VariantCounts(tenant.apiId(), "canary", good))));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            Response canary;
            do {
                canary = admin().get("/admin/apis/" + tenant.apiId() + "/canary");
                assertThat(canary.statusCode()).as(canary.asString()).isEqualTo(200);
                assertThat(System.nanoTime()).isLessThan(deadline);
            } while (canary.jsonPath().getLong("variants.canary.requests") != 4);
            assertThat(canary.jsonPath().getLong("variants.canary.errors")).isEqualTo(1);
        }
    }

    @Test
    void messageSizesFitEachMessageType() throws Exception {
        Credential edge = issue(unique("edge"));
        try (TestNode node = connect(edge)) {
            node.next(ControlMessage.Snapshot.class);
            char[] padding = new char[64 * 1024];
            Arrays.fill(padding, 'x');
            node.send(new NodeMessage.Nack(1, 0, "invalid_config", new String(padding)));
            assertThat(node.next(ControlMessage.Refused.class).code()).isEqualTo("message_too_large");
            assertThat(node.open()).isTrue();

            char[] huge = new char[SyncChannel.MAX_NODE_MESSAGE_BYTES + 1024];
            Arrays.fill(huge, 'x');
            node.sendRaw("{\"type\":\"usage\",\"batchId\":\"" + new String(huge) + "\",\"records\":[]}");
            assertThat(node.awaitClosed()).isIn(1009, -1);
        }
    }

    @Test
    void aTimestampOutsideTheSaneRangeIsRefusedWithAClearCode() throws Exception {
        Tenant tenant = tenant();
        assertError(admin().body(Map.of("expiresAt", "+20260-01-01T00:00:00Z")).post("/admin/applications/" + tenant.applicationId() + "/keys"),
                400, "timestamp_out_of_range");
        assertError(admin().body(Map.of("expiresAt", "2100-01-01T00:00:00Z")).post("/admin/applications/" + tenant.applicationId() + "/keys"),
                400, "timestamp_out_of_range");
        assertThat(admin().body(Map.of("expiresAt", "2099-12-31T00:00:00Z")).post("/admin/applications/" + tenant.applicationId() + "/keys")
                .statusCode()).isEqualTo(201);
        String consumerId = create("/admin/consumers", Map.of("username", unique("dev")));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app"));
        assertError(admin().body(Map.of("applicationId", appId, "apiId", tenant.apiId(), "planId", tenant.planId(),
                "billingAnchor", "+20260-03-15T00:00:00Z")).post("/admin/subscriptions"), 400, "timestamp_out_of_range");
        assertError(admin().body(Map.of("applicationId", appId, "apiId", tenant.apiId(), "planId", tenant.planId(),
                "billingAnchor", "1999-12-31T23:59:59Z")).post("/admin/subscriptions"), 400, "timestamp_out_of_range");
    }
}
