package io.gatehouse.audit.signing;

import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.testing.Records;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.MerkleTree;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchSignerTest {
    @TempDir
    Path dir;

    private static List<AuditRecord> records(int from, int to) throws Exception {
        List<AuditRecord> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            AuditRecord r = Records.record("node-a", i, Instant.parse("2026-11-30T10:00:00Z").plusMillis(i));
            // Some bodies, some paths that are not ASCII: what a node's writer meets.
            byte[] body = ("{\"n\":" + i + "}").getBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            out.add(new AuditRecord(r.requestId(), r.time(), r.nodeId(), r.consumerId(), r.applicationId(), r.apiId(),
                    i % 3 == 0 ? "GET /menü/{id}" : null, r.method(), i % 4 == 0 ? "/menü/" + i : r.path(), r.status(),
                    r.errorCode(), r.latencyMicros(), body.length, r.bytesOut(), r.clientAddress(), digest, r.responseBodyDigest()));
        }
        return out;
    }

    @Test
    void batchesSealedInPlaceAreTheMessagesTheVerifierReadsAndEachRecordVerifiesAlone() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        BatchSigner signer = new BatchSigner(keys);
        List<AuditRecord> first = records(0, 100);
        List<AuditRecord> second = records(100, 133);
        List<AuditRecord> lone = records(133, 134);
        // Small segments: the append of three batches crosses several segment files.
        try (Spool spool = new Spool(dir, 1 << 26, 8 << 10)) {
            Spool.Entries entries = new Spool.Entries(64);
            signer.seal("node-a", first, entries);
            signer.seal("node-a", second, entries);
            signer.seal("node-a", lone, entries);
            assertThat(entries.count()).isEqualTo(134);
            spool.append(entries);
            assertThat(entries.count()).as("cleared for the next append").isZero();
            assertThat(signer.batches()).isEqualTo(3);

            List<Spool.Entry> read = spool.read(1_000);
            assertThat(read).hasSize(134);
            List<AuditRecord> all = new ArrayList<>(first);
            all.addAll(second);
            all.addAll(lone);
            long[] batchIds = new long[3];
            for (int i = 0; i < read.size(); i++) {
                byte[] payload = read.get(i).payload();
                SignedAuditRecord signed = SignedAuditRecord.decode(payload);
                AuditRecord expected = all.get(i);
                assertThat(signed.record()).isEqualTo(expected);
                assertThat(signed.canonical()).isEqualTo(expected.canonical());
                assertThat(signed.encode()).as("the message as the object form writes it").isEqualTo(payload);
                assertThat(new SealCheck().problem(keys.publicKey(), "node-a", signed.canonical(), signed.signature(), signed.proof()))
                        .as("record %d verifies with the public key alone", i).isNull();

                int batch = i < 100 ? 0 : i < 133 ? 1 : 2;
                List<AuditRecord> members = batch == 0 ? first : batch == 1 ? second : lone;
                int leaf = i - (batch == 0 ? 0 : batch == 1 ? 100 : 133);
                BatchProof proof = signed.proof();
                assertThat(proof.leafIndex()).isEqualTo(leaf);
                assertThat(proof.leafCount()).isEqualTo(members.size());
                // The path is the one a tree built from the records' own canonical bytes gives.
                List<byte[]> leaves = members.stream().map(r -> MerkleTree.leafHash(r.canonical())).toList();
                assertThat(proof.path()).isEqualTo(new MerkleTree(leaves).path(leaf));
                if (leaf == 0) {
                    batchIds[batch] = proof.batchId();
                } else {
                    assertThat(proof.batchId()).isEqualTo(batchIds[batch]);
                }
            }
            assertThat(batchIds[0]).isLessThan(batchIds[1]);
            assertThat(batchIds[1]).isLessThan(batchIds[2]);
        }
    }

    @Test
    void aChangedByteOfASealedEntryNoLongerVerifies() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        Spool.Entries entries = new Spool.Entries(1 << 16);
        new BatchSigner(keys).seal("node-a", records(0, 10), entries);
        try (Spool spool = new Spool(dir, 1 << 26, 1 << 20)) {
            spool.append(entries);
            byte[] payload = spool.read(10).get(4).payload();
            // The first character of the request id: "GHSB", version, length, then "GHAR", version, length, the id.
            assertThat(payload[18]).isEqualTo((byte) 'r');
            payload[18] ^= 1;
            SignedAuditRecord signed = SignedAuditRecord.decode(payload);
            assertThat(new SealCheck().problem(keys.publicKey(), "node-a", signed.canonical(), signed.signature(), signed.proof()))
                    .isNotNull();
        }
    }

    @Test
    void aRecordOfAnotherNodeIsRefused() throws Exception {
        List<AuditRecord> mixed = new ArrayList<>(records(0, 3));
        mixed.add(Records.record("node-b", 9, Instant.now()));
        assertThatThrownBy(() -> new BatchSigner(NodeKeys.generate()).seal("node-a", mixed, new Spool.Entries(1024)))
                .hasMessageContaining("node-b");
    }
}
