package io.gatehouse.management.sync;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import io.gatehouse.protocol.usage.VariantCounts;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The shape rules every node message passes before the control plane acts on it; no server needed. */
class NodeMessageRulesTest {
    static final String NODE = "edge-1";
    static final String API = UUID.randomUUID().toString();
    static final SnapshotIndex INDEX = new SnapshotIndex(java.util.Map.of(), java.util.Map.of(), java.util.Set.of(API));

    static String refusal(NodeMessage message) {
        NodeMessageRefused refused = catchThrowableOfType(NodeMessageRefused.class,
                () -> NodeMessageRules.check(message, Json.write(message), NODE, INDEX));
        assertThat(refused).as("refused: " + Json.write(message)).isNotNull();
        return refused.code();
    }

    static void accepted(NodeMessage message) {
        assertThatCode(() -> NodeMessageRules.check(message, Json.write(message), NODE, INDEX)).doesNotThrowAnyException();
    }

    static UsageRecord record(Instant hour, long admitted, long refused) {
        String id = UUID.randomUUID().toString();
        return new UsageRecord(id, id, id, id, id, hour, admitted, refused);
    }

    @Test
    void whatAnHonestNodeSendsPasses() {
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        accepted(new NodeMessage.Hello(NODE, 0, null, "0.1.0"));
        accepted(new NodeMessage.Ack(3, "ab".repeat(32)));
        accepted(new NodeMessage.Nack(-1, 2, "internal_error", "boom"));
        accepted(new NodeMessage.Heartbeat(3));
        accepted(new NodeMessage.QuotaLeaseRequest(1, UUID.randomUUID().toString(), hour, 120));
        accepted(new NodeMessage.QuotaReturn(UUID.randomUUID().toString(), hour, 37));
        accepted(new NodeMessage.RateLeaseRequest(1, UUID.randomUUID().toString(), 0, 0));
        accepted(new NodeMessage.UsageReport("edge-1-1-1", List.of(record(hour, 950, 3), record(hour.minus(Duration.ofDays(6)), 0, 0))));
        accepted(new NodeMessage.UsageReport("report-1764417600000042", List.of(record(hour, 950, 3)), 1_764_417_600_000_042L));
        accepted(new NodeMessage.VariantReport(List.of(new VariantCounts(API, "stable", new long[16]))));
    }

    @Test
    void countsMustBeNonNegativeAndBounded() {
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String subscription = UUID.randomUUID().toString();
        assertThat(refusal(new NodeMessage.QuotaLeaseRequest(1, subscription, hour, 0))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.QuotaLeaseRequest(1, subscription, hour, -5))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.QuotaLeaseRequest(-1, subscription, hour, 5))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.QuotaReturn(subscription, hour, Long.MAX_VALUE))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.RateLeaseRequest(1, subscription, Double.NaN, 0))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.RateLeaseRequest(1, subscription, -1, 0))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.RateLeaseRequest(1, subscription, Double.POSITIVE_INFINITY, 0))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.UsageReport("b", List.of(record(hour, 1, -1))))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.Ack(0, "x"))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.Heartbeat(-3))).isEqualTo("invalid_count");
    }

    @Test
    void idsAndTimesMustBeWellFormed() {
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        assertThat(refusal(new NodeMessage.QuotaLeaseRequest(1, "not-an-id", hour, 5))).isEqualTo("invalid_id");
        assertThat(refusal(new NodeMessage.QuotaLeaseRequest(1, null, hour, 5))).isEqualTo("missing_field");
        assertThat(refusal(new NodeMessage.QuotaReturn(UUID.randomUUID().toString(), null, 5))).isEqualTo("missing_field");
        assertThat(refusal(new NodeMessage.UsageReport("b", List.of(record(hour.plusSeconds(60), 1, 0))))).isEqualTo("invalid_hour");
        assertThat(refusal(new NodeMessage.UsageReport("b", List.of(record(hour.minus(Duration.ofDays(30)), 1, 0))))).isEqualTo("invalid_hour");
        assertThat(refusal(new NodeMessage.UsageReport("b", List.of(record(hour.plus(Duration.ofDays(1)), 1, 0))))).isEqualTo("invalid_hour");
        assertThat(refusal(new NodeMessage.UsageReport(" ", List.of()))).isEqualTo("invalid_batch_id");
        assertThat(refusal(new NodeMessage.UsageReport("b", null))).isEqualTo("missing_field");
        assertThat(refusal(new NodeMessage.UsageReport("report-1", List.of(record(hour, 1, 0)), -1L))).isEqualTo("invalid_sequence");
        assertThat(refusal(new NodeMessage.Hello("edge-2", 0, null, "0.1.0"))).isEqualTo("node_id_mismatch");
    }

    @Test
    void reportsAreBoundedAndSmallMessagesSmall() {
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        UsageRecord one = record(hour, 1, 0);
        assertThat(refusal(new NodeMessage.UsageReport("b", Collections.nCopies(2_001, one)))).isEqualTo("too_many_entries");
        VariantCounts counts = new VariantCounts(API, "stable", new long[16]);
        assertThat(refusal(new NodeMessage.VariantReport(Collections.nCopies(2_001, counts)))).isEqualTo("too_many_entries");
        assertThat(refusal(new NodeMessage.Nack(1, 0, "invalid_config", "x".repeat(10_000)))).isEqualTo("message_too_large");
    }

    @Test
    void variantReportsMustBeWellFormed() {
        assertThat(refusal(new NodeMessage.VariantReport(List.of(new VariantCounts(API, "beta", new long[16]))))).isEqualTo("invalid_variant");
        assertThat(refusal(new NodeMessage.VariantReport(List.of(new VariantCounts(API, "canary", new long[3]))))).isEqualTo("invalid_counts");
        assertThat(refusal(new NodeMessage.VariantReport(List.of(new VariantCounts(API, "canary", null))))).isEqualTo("invalid_counts");
        long[] moreErrorsThanRequests = new long[16];
        moreErrorsThanRequests[1] = 1;
        assertThat(refusal(new NodeMessage.VariantReport(List.of(new VariantCounts(API, "canary", moreErrorsThanRequests))))).isEqualTo("invalid_count");
        assertThat(refusal(new NodeMessage.VariantReport(List.of(new VariantCounts(UUID.randomUUID().toString(), "canary", new long[16])))))
                .isEqualTo("unknown_api");
        assertThat(refusal(new NodeMessage.VariantReport(null))).isEqualTo("missing_field");
    }

    @Test
    void theWireNameOfEachMessageIsReported() {
        assertThat(NodeMessageRules.typeOf(new NodeMessage.QuotaReturn(null, null, 0))).isEqualTo("quota-return");
        assertThat(NodeMessageRules.typeOf(new NodeMessage.VariantReport(List.of()))).isEqualTo("variants");
    }
}
