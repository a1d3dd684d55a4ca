package io.gatehouse.protocol.audit;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditRecordTest {
    static AuditRecord sample() {
        return new AuditRecord("req-1", Instant.parse("2026-11-30T02:00:00.123456789Z"), "node-a", "consumer-1", "app-1",
                "api-1", "getOrder", "POST", "/orders/7", 201, null, 1_234, 10, 20, "10.0.0.1",
                AuditRecord.EMPTY_SHA256, "0".repeat(64));
    }

    @Test
    void canonicalBytesReadBackToTheSameRecordAndTheSameBytes() {
        AuditRecord record = sample();
        byte[] bytes = record.canonical();
        AuditRecord back = AuditRecord.fromCanonical(bytes);
        assertThat(back).isEqualTo(record);
        assertThat(back.canonical()).isEqualTo(bytes);
        assertThat(back.time()).isEqualTo(Instant.parse("2026-11-30T02:00:00.123456Z"));
    }

    @Test
    void theLayoutIsTheDocumentedOne() throws Exception {
        AuditRecord record = new AuditRecord("r", Instant.ofEpochSecond(0, 1_000), "n", null, null, null, null, "GET",
                "/", 200, null, 0, 0, 0, null, AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
        String hex = Hex.encode(record.canonical());
        String expected = "47484152" + "01" // GHAR, version 1
                + "00000001" + "72" // requestId "r"
                + "0000000000000001" // 1 microsecond
                + "00000001" + "6e" // nodeId "n"
                + "ffffffff".repeat(4) // consumer, application, api, operation: null
                + "00000003" + "474554" // GET
                + "00000001" + "2f" // "/"
                + "000000c8" // 200
                + "ffffffff" // no error code
                + "0000000000000000".repeat(3) // latency, bytes in, bytes out
                + "ffffffff" // no client address
                + AuditRecord.EMPTY_SHA256 + AuditRecord.EMPTY_SHA256;
        assertThat(hex).isEqualTo(expected);
        assertThat(Hex.encode(MessageDigest.getInstance("SHA-256").digest(new byte[0]))).isEqualTo(AuditRecord.EMPTY_SHA256);
    }

    @Test
    void everyFieldChangesTheCanonicalBytes() {
        AuditRecord a = sample();
        Set<String> forms = new HashSet<>();
        forms.add(Hex.encode(a.canonical()));
        AuditRecord[] variants = {
                new AuditRecord("req-2", a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time().plusNanos(1_000), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), "node-b", a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), null, a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), "", a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), "app-2", a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), "api-2", a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), null, a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), "PUT", a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), "/orders/8", a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), 500, a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), "rate_limited", a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), 1_235, a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), 11, a.bytesOut(), a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), 21, a.clientAddress(), a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), "10.0.0.2", a.requestBodySha256(), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), "1".repeat(64), a.responseBodySha256()),
                new AuditRecord(a.requestId(), a.time(), a.nodeId(), a.consumerId(), a.applicationId(), a.apiId(), a.operation(), a.method(), a.path(), a.status(), a.errorCode(), a.latencyMicros(), a.bytesIn(), a.bytesOut(), a.clientAddress(), a.requestBodySha256(), "1".repeat(64)),
        };
        for (AuditRecord variant : variants) {
            assertThat(forms.add(Hex.encode(variant.canonical()))).as("%s", variant).isTrue();
        }
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        AuditRecord a = new AuditRecord("ab", Instant.EPOCH, "n", "c", null, null, null, "GET", "/", 200, null, 0, 0, 0, null, AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
        AuditRecord b = new AuditRecord("a", Instant.EPOCH, "n", "bc", null, null, null, "GET", "/", 200, null, 0, 0, 0, null, AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
        assertThat(a.canonical()).isNotEqualTo(b.canonical());
    }

    @Test
    void damagedBytesAreRefusedNotMisread() {
        byte[] bytes = sample().canonical();
        assertThatThrownBy(() -> AuditRecord.fromCanonical(java.util.Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(MalformedAuditRecordException.class);
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> AuditRecord.fromCanonical(longer)).isInstanceOf(MalformedAuditRecordException.class);
        byte[] otherVersion = bytes.clone();
        otherVersion[4] = 2;
        assertThatThrownBy(() -> AuditRecord.fromCanonical(otherVersion)).hasMessageContaining("version 1");
        assertThatThrownBy(() -> new AuditRecord("r", Instant.EPOCH, "n", null, null, null, null, "GET", "/", 200, null, 0, 0, 0, null,
                "ABC", AuditRecord.EMPTY_SHA256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSignedRecordTravelsWithItsExactSignedBytes() {
        SignedAuditRecord signed = SignedAuditRecord.of(sample(), new byte[64]);
        SignedAuditRecord back = SignedAuditRecord.decode(signed.encode());
        assertThat(back.record()).isEqualTo(sample());
        assertThat(back.canonical()).isEqualTo(signed.canonical());
        assertThat(back.signature()).hasSize(64);
        byte[] cut = java.util.Arrays.copyOf(signed.encode(), 40);
        assertThatThrownBy(() -> SignedAuditRecord.decode(cut)).isInstanceOf(MalformedAuditRecordException.class);
    }
}
