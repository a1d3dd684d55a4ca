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

    /** The canonical form as it was first written (a ByteBuffer, getBytes per string, hex decoded), kept as a reference. */
    private static byte[] referenceCanonical(AuditRecord r) {
        java.util.List<byte[]> strings = new java.util.ArrayList<>();
        for (String s : new String[] {r.requestId(), r.nodeId(), r.consumerId(), r.applicationId(), r.apiId(), r.operation(),
                r.method(), r.path(), r.errorCode(), r.clientAddress()}) {
            strings.add(s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4096);
        out.put("GHAR".getBytes()).put((byte) 1);
        put(out, strings.get(0));
        out.putLong(r.epochMicros());
        for (int i = 1; i <= 7; i++) {
            put(out, strings.get(i));
        }
        out.putInt(r.status());
        put(out, strings.get(8));
        out.putLong(r.latencyMicros()).putLong(r.bytesIn()).putLong(r.bytesOut());
        put(out, strings.get(9));
        out.put(Hex.decode(r.requestBodySha256())).put(Hex.decode(r.responseBodySha256()));
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    private static void put(java.nio.ByteBuffer out, byte[] utf8) {
        if (utf8 == null) {
            out.putInt(-1);
        } else {
            out.putInt(utf8.length).put(utf8);
        }
    }

    @Test
    void recordsWrittenInPlaceHaveTheCanonicalBytesWhateverTheirCharacters() {
        // ASCII, accented Latin-1, CJK, an emoji (a surrogate pair) and a lone surrogate (which UTF-8 spells '?').
        String[] texts = {"/orders/7", "/café/crème", "/注文/7", "/orders/\uD83D\uDE00", "/broken/\uD800x", ""};
        for (String text : texts) {
            AuditRecord record = new AuditRecord("req-" + text, Instant.parse("2026-11-30T02:00:00.123456Z"), "node-é",
                    text, null, "api-1", "GET " + text, "GET", text, 200, null, 1, 2, 3, "2001:db8::1",
                    AuditRecord.EMPTY_SHA256, "ab".repeat(32));
            byte[] expected = referenceCanonical(record);
            assertThat(record.canonical()).as(text).isEqualTo(expected);
            assertThat(record.canonicalSize()).as(text).isEqualTo(expected.length);
            byte[] room = new byte[expected.length + 10];
            java.util.Arrays.fill(room, (byte) 0x55);
            assertThat(record.writeCanonical(room, 7)).isEqualTo(7 + expected.length);
            assertThat(java.util.Arrays.copyOfRange(room, 7, 7 + expected.length)).as(text).isEqualTo(expected);
            assertThat(room[6]).as("nothing written before its place").isEqualTo((byte) 0x55);
            assertThat(room[7 + expected.length]).as("nothing written after its end").isEqualTo((byte) 0x55);
            // Read back and written again, the bytes stay (a lone surrogate was already '?' in the signed form).
            assertThat(AuditRecord.fromCanonical(expected).canonical()).as(text).isEqualTo(expected);
        }
    }

    @Test
    void bodyHashesGivenAsBytesOrHexMakeTheSameRecord() throws Exception {
        byte[] body = "{\"item\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
        byte[] empty = MessageDigest.getInstance("SHA-256").digest();
        AuditRecord fromBytes = new AuditRecord("r", Instant.EPOCH, "n", null, null, null, null, "POST", "/", 200, null,
                0, body.length, 0, null, digest, empty);
        AuditRecord fromHex = new AuditRecord("r", Instant.EPOCH, "n", null, null, null, null, "POST", "/", 200, null,
                0, body.length, 0, null, Hex.encode(digest), AuditRecord.EMPTY_SHA256);
        assertThat(fromBytes).isEqualTo(fromHex).hasSameHashCodeAs(fromHex);
        assertThat(fromBytes.canonical()).isEqualTo(fromHex.canonical());
        assertThat(fromBytes.requestBodySha256()).isEqualTo(Hex.encode(digest));
        assertThat(fromBytes.responseBodySha256()).isEqualTo(AuditRecord.EMPTY_SHA256);
        assertThat(fromBytes.toString()).contains(Hex.encode(digest));
        // What the accessor hands out is a copy: changing it changes nothing signed.
        fromBytes.requestBodyDigest()[0] ^= 1;
        assertThat(fromBytes.canonical()).isEqualTo(fromHex.canonical());
        assertThatThrownBy(() -> new AuditRecord("r", Instant.EPOCH, "n", null, null, null, null, "GET", "/", 200, null,
                0, 0, 0, null, new byte[31], empty)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuditRecord("r", Instant.EPOCH, "n", null, null, null, null, "GET", "/", 200, null,
                0, 0, 0, null, "g".repeat(64), AuditRecord.EMPTY_SHA256)).hasMessageContaining("requestBodySha256");
    }

    @Test
    void aBatchSignedMessageIsTheSameBytesWhicheverWayItIsWritten() {
        AuditRecord record = sample();
        byte[] canonical = record.canonical();
        byte[] path = new byte[3 * MerkleTree.HASH_BYTES];
        for (int i = 0; i < path.length; i++) {
            path[i] = (byte) i;
        }
        byte[] signature = new byte[64];
        java.util.Arrays.fill(signature, (byte) 7);
        SignedAuditRecord signed = new SignedAuditRecord(record, canonical, signature, new BatchProof(42L << 33, 5, 8, path));
        byte[] encoded = signed.encode();
        assertThat(encoded).hasSize(SignedAuditRecord.batchSignedSize(canonical.length, 3, 64));
        SignedAuditRecord back = SignedAuditRecord.decode(encoded);
        assertThat(back.record()).isEqualTo(record);
        assertThat(back.proof()).isEqualTo(signed.proof());
        assertThat(back.signature()).isEqualTo(signature);
        assertThat(back.encode()).isEqualTo(encoded);
    }
}
