package io.gatehouse.management;

import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.limits.QuotaPeriod;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import io.gatehouse.testing.ScrapeParser;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator scrapes the control plane's /q/metrics while two nodes work the config channel: the nodes connected,
 * each node's acknowledgement of a newly published version, quota ledger grants and returns, and usage records
 * stored all show up, by exactly what the nodes did, in text Prometheus reads.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ControlPlaneMetricsTest {

    @TestHTTPResource("/")
    URI base;

    static ScrapeParser scrape() {
        // The classic text format, as a Prometheus scrape asks for it (without Accept, OpenMetrics is answered).
        Response response = RestAssured.given().accept("text/plain; version=0.0.4").get("/q/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/plain");
        return ScrapeParser.parse(response.asString());
    }

    static double value(String name, Map<String, String> labels) {
        return scrape().valueOrZero(name, labels);
    }

    @Test
    void theScrapeCountsWhatNodesDidOnTheConfigChannel() throws Exception {
        String apiId = create("/admin/apis", AdminApiTest.apiBody(unique("orders"), "/" + unique("orders"), "PUBLISHED"));
        String planId = create("/admin/plans", Map.of("name", unique("gold"), "ratePerSecond", 10, "burst", 5,
                "monthlyQuota", 1000, "quotaMode", "HARD"));
        String consumerId = create("/admin/consumers", Map.of("username", unique("dev")));
        String appId = create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app"));
        String subscriptionId = create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));

        awaitAllPublished();
        ScrapeParser before = scrape();
        double nodesBefore = before.value("gatehouse_control_plane_nodes_connected", Map.of());
        double acksBefore = before.valueOrZero("gatehouse_control_plane_publish_ack_seconds_count", Map.of());
        double grantsBefore = before.valueOrZero("gatehouse_control_plane_ledger_operations_total", Map.of("operation", "grant"));
        double returnsBefore = before.valueOrZero("gatehouse_control_plane_ledger_operations_total", Map.of("operation", "return"));
        double usageBefore = before.valueOrZero("gatehouse_control_plane_usage_records_ingested_total", Map.of());
        assertThat(before.type("gatehouse_control_plane_publish_ack_seconds")).isEqualTo("histogram");
        assertThat(before.type("gatehouse_control_plane_ledger_operations_total")).isEqualTo("counter");
        assertThat(before.value("gatehouse_control_plane_config_publishing_healthy", Map.of())).isEqualTo(1);
        assertThat(before.valueOrZero("gatehouse_control_plane_audit_records_ingested_total", Map.of()))
                .as("no Kafka in this test: nothing ingested").isZero();

        NodeChannelTest.Credential first = NodeChannelTest.issue(unique("edge"));
        NodeChannelTest.Credential second = NodeChannelTest.issue(unique("edge"));
        try (TestNode a = connect(first); TestNode b = connect(second)) {
            await("two more nodes connected", () -> value("gatehouse_control_plane_nodes_connected", Map.of()) == nodesBefore + 2);
            // Both acknowledge what they were sent on connecting; then a change is published while they are connected.
            ControlMessage.Snapshot snapshotA = a.next(ControlMessage.Snapshot.class);
            ControlMessage.Snapshot snapshotB = b.next(ControlMessage.Snapshot.class);
            a.send(new NodeMessage.Ack(snapshotA.snapshot().version(), snapshotA.snapshot().hash()));
            b.send(new NodeMessage.Ack(snapshotB.snapshot().version(), snapshotB.snapshot().hash()));
            create("/admin/apis", AdminApiTest.apiBody(unique("invoices"), "/" + unique("invoices"), "PUBLISHED"));
            long head = awaitAllPublished();
            ackUpTo(a, head);
            ackUpTo(b, head);
            // Connected after the snapshot's version was published, so only the new head's ACKs count.
            await("both ACKs of the new version timed", () -> value("gatehouse_control_plane_publish_ack_seconds_count", Map.of()) == acksBefore + 2);

            Instant periodStart = QuotaPeriod.containing(Instant.now(), null).start();
            a.send(new NodeMessage.QuotaLeaseRequest(1, subscriptionId, periodStart, 50));
            assertThat(a.next(ControlMessage.QuotaLease.class).units()).isEqualTo(50);
            a.send(new NodeMessage.QuotaReturn(subscriptionId, periodStart, 20));
            await("a grant and a return in the ledger", () ->
                    value("gatehouse_control_plane_ledger_operations_total", Map.of("operation", "grant")) == grantsBefore + 1
                            && value("gatehouse_control_plane_ledger_operations_total", Map.of("operation", "return")) == returnsBefore + 1);

            Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
            UsageRecord usage = new UsageRecord(subscriptionId, consumerId, appId, apiId, planId, hour, 7, 1);
            b.send(new NodeMessage.UsageReport("metrics-" + unique("b"), List.of(usage)));
            b.next(ControlMessage.UsageAck.class);
            assertThat(value("gatehouse_control_plane_usage_records_ingested_total", Map.of()))
                    .as("stored before it was acknowledged").isEqualTo(usageBefore + 1);
        }
        await("the nodes gone again", () -> value("gatehouse_control_plane_nodes_connected", Map.of()) == nodesBefore);

        ScrapeParser after = scrape();
        double ackSum = after.value("gatehouse_control_plane_publish_ack_seconds_sum", Map.of());
        System.out.printf("publish to ACK: %d ACKs, %.1f ms on average%n",
                (long) after.value("gatehouse_control_plane_publish_ack_seconds_count", Map.of()),
                ackSum * 1000 / after.value("gatehouse_control_plane_publish_ack_seconds_count", Map.of()));
        assertThat(after.samples()).as("no node id, consumer or key in a label of the Gatehouse metrics")
                .filteredOn(s -> s.name().startsWith("gatehouse_"))
                .allSatisfy(s -> assertThat(s.labels().keySet()).isSubsetOf("operation", "le"));
    }

    /** Acknowledges every delta the node is sent until it holds {@code head}. */
    private static void ackUpTo(TestNode node, long head) throws InterruptedException {
        while (true) {
            ConfigDelta delta = node.next(ControlMessage.Delta.class).delta();
            node.send(new NodeMessage.Ack(delta.version(), delta.hash()));
            if (delta.version() >= head) {
                return;
            }
        }
    }

    /** Waits until no admin change waits for publication; returns the config version then. */
    private static long awaitAllPublished() {
        await("every change published", () -> admin().get("/admin/config").jsonPath().get("publishing.unpublishedSince") == null);
        return AdminApiTest.configVersion();
    }

    private TestNode connect(NodeChannelTest.Credential credential) throws Exception {
        TestNode node = TestNode.connect(base, credential.token(), credential.nodeId());
        node.send(new NodeMessage.Hello(credential.nodeId(), 0, null, "test"));
        return node;
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
