package io.gatehouse.audit.verify;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.audit.signing.BatchSigner;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.testing.Records;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ExportVerifierTest {
    private static final Instant START = Instant.parse("2026-11-30T00:00:00Z");
    @TempDir
    Path dir;
    private final NodeKeys node = NodeKeys.generate();

    /** A chain of records in one partition, as the store would hold it. */
    private List<StoredRecord> chain(NodeKeys signer, int count) {
        List<StoredRecord> rows = new ArrayList<>();
        byte[] previous = HashChain.GENESIS;
        for (int i = 1; i <= count; i++) {
            AuditRecord record = Records.record("node-a", i, START.plusMillis(i));
            byte[] canonical = record.canonical();
            byte[] hash = HashChain.next(previous, canonical);
            rows.add(new StoredRecord("2026-11", i, record, signer.sign(canonical), previous, hash));
            previous = hash;
        }
        return rows;
    }

    /** Records signed in batches of {@code batch} as the node's writer signs them, chained as the store would chain them. */
    private List<StoredRecord> batchChain(NodeKeys signer, int count, int batch) {
        BatchSigner batches = new BatchSigner(signer);
        List<SignedAuditRecord> signed = new ArrayList<>();
        List<AuditRecord> pending = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            pending.add(Records.record("node-a", i, START.plusMillis(i)));
            if (pending.size() == batch || i == count) {
                signed.addAll(batches.sign("node-a", pending));
                pending.clear();
            }
        }
        return chained(signed);
    }

    /** Chains signed records into a partition (hashes computed afresh, so only what proves the signature can be wrong). */
    private static List<StoredRecord> chained(List<SignedAuditRecord> signed) {
        List<StoredRecord> rows = new ArrayList<>();
        byte[] previous = HashChain.GENESIS;
        for (SignedAuditRecord s : signed) {
            byte[] hash = HashChain.next(previous, s.record().canonical());
            rows.add(new StoredRecord("2026-11", rows.size() + 1, s.record(), s.signature(), s.proof(), previous, hash));
            previous = hash;
        }
        return rows;
    }

    private static SignedAuditRecord signedOf(StoredRecord row) {
        return new SignedAuditRecord(row.record(), row.record().canonical(), row.signature(), row.proof());
    }

    private Path export(List<StoredRecord> rows, ExportWriter.Format format, String name) throws Exception {
        Path file = dir.resolve(name);
        ExportManifest manifest;
        try (OutputStream out = Files.newOutputStream(file)) {
            ExportWriter writer = new ExportWriter(format, out);
            for (StoredRecord row : rows) {
                writer.write(row);
            }
            manifest = writer.finish(START, START.plusSeconds(60), null, null, Map.of(), n -> node.publicKeyBase64());
        }
        Files.write(dir.resolve(name + ".manifest.json"), Json.writeBytes(manifest));
        return file;
    }

    private Verification verify(Path file) throws Exception {
        return ExportVerifier.verify(file, dir.resolve(file.getFileName() + ".manifest.json"));
    }

    @Test
    void aCleanExportVerifiesInBothFormats() throws Exception {
        List<StoredRecord> rows = chain(node, 40);
        Verification jsonl = verify(export(rows, ExportWriter.Format.JSONL, "a.jsonl"));
        assertThat(jsonl.ok()).as(jsonl.describe()).isTrue();
        assertThat(jsonl.verified()).isEqualTo(40);
        Verification csv = verify(export(rows, ExportWriter.Format.CSV, "a.csv"));
        assertThat(csv.ok()).as(csv.describe()).isTrue();
        assertThat(csv.verified()).isEqualTo(40);
        assertThat(AuditCli.run(new String[] {"verify", dir.resolve("a.jsonl").toString(), dir.resolve("a.jsonl.manifest.json").toString()})).isZero();
    }

    @Test
    void aBatchSignedExportVerifiesInBothFormatsWithOneSignatureCheckPerBatch() throws Exception {
        List<StoredRecord> rows = batchChain(node, 300, 128);
        ChainVerifier chain = new ChainVerifier(Map.of("node-a", node.publicKey()), ChainVerifier.Scope.EXPORT);
        for (StoredRecord row : rows) {
            assertThat(chain.accept(row, "row " + row.seq())).isEmpty();
        }
        assertThat(chain.count()).isEqualTo(300);
        assertThat(chain.signatureChecks()).as("batches of 128, 128 and 44").isEqualTo(3);
        for (ExportWriter.Format format : ExportWriter.Format.values()) {
            Path file = export(rows, format, "batch." + format.name().toLowerCase());
            Verification result = verify(file);
            assertThat(result.ok()).as(result.describe()).isTrue();
            assertThat(result.verified()).isEqualTo(300);
        }
        assertThat(Files.readAllLines(dir.resolve("batch.csv")).get(1)).endsWith(",0,128," + io.gatehouse.protocol.audit.Hex.encode(rows.get(0).proof().path()));
    }

    /** One row of a clean batch-signed chain replaced by {@code forged}, every chain hash recomputed to fit. */
    private Verification withRow(List<StoredRecord> rows, int index, SignedAuditRecord forged, String name) throws Exception {
        List<SignedAuditRecord> signed = new ArrayList<>();
        for (StoredRecord row : rows) {
            signed.add(signedOf(row));
        }
        signed.set(index, forged);
        return verify(export(chained(signed), ExportWriter.Format.JSONL, name));
    }

    @Test
    void aBatchSignedRecordAlteredMovedGivenAnotherBatchsPathOrAForgedRootIsRefused() throws Exception {
        List<StoredRecord> rows = batchChain(node, 40, 16);
        StoredRecord genuine = rows.get(5);
        AuditRecord r = genuine.record();

        AuditRecord altered = new AuditRecord(r.requestId(), r.time(), r.nodeId(), r.consumerId(), r.applicationId(), r.apiId(),
                r.operation(), r.method(), r.path(), 500, r.errorCode(), r.latencyMicros(), r.bytesIn(), r.bytesOut(),
                r.clientAddress(), r.requestBodySha256(), r.responseBodySha256());
        SignedAuditRecord alteredAfterSigning = new SignedAuditRecord(altered, altered.canonical(), genuine.signature(), genuine.proof());

        BatchProof p = genuine.proof();
        SignedAuditRecord wrongIndex = new SignedAuditRecord(r, r.canonical(), genuine.signature(),
                new BatchProof(p.batchId(), p.leafIndex() + 1, p.leafCount(), p.path()));

        BatchProof otherBatch = rows.get(21).proof();
        assertThat(otherBatch.batchId()).isNotEqualTo(p.batchId());
        SignedAuditRecord foreignPath = new SignedAuditRecord(r, r.canonical(), genuine.signature(),
                new BatchProof(p.batchId(), p.leafIndex(), p.leafCount(), otherBatch.path()));
        SignedAuditRecord foreignProofAndSignature = new SignedAuditRecord(r, r.canonical(), rows.get(21).signature(), otherBatch);

        // Someone without the node's key builds a batch of records in the node's name and signs its root.
        SignedAuditRecord forgedRoot = new BatchSigner(NodeKeys.generate()).sign("node-a", List.of(r, rows.get(6).record())).get(0);
        byte[] randomSignature = new byte[64];
        new java.security.SecureRandom().nextBytes(randomSignature);
        SignedAuditRecord garbageSignature = new SignedAuditRecord(r, r.canonical(), randomSignature, p);

        Map<String, SignedAuditRecord> forgeries = new java.util.LinkedHashMap<>();
        forgeries.put("altered", alteredAfterSigning);
        forgeries.put("wrong-index", wrongIndex);
        forgeries.put("foreign-path", foreignPath);
        forgeries.put("foreign-proof", foreignProofAndSignature);
        forgeries.put("forged-root", forgedRoot);
        forgeries.put("garbage-signature", garbageSignature);
        for (Map.Entry<String, SignedAuditRecord> forgery : forgeries.entrySet()) {
            Verification result = withRow(rows, 5, forgery.getValue(), forgery.getKey() + ".jsonl");
            assertThat(result.broken()).as(forgery.getKey()).get().satisfies(b -> {
                assertThat(b.where()).startsWith("line 6");
                assertThat(b.requestId()).isEqualTo(r.requestId());
                assertThat(b.reason()).containsAnyOf("signature does not verify", "batch proof unusable");
            });
            System.out.println(forgery.getKey() + ": " + result.describe());
        }
        // The genuine row in the same place verifies: each refusal above is the forgery's.
        assertThat(withRow(rows, 5, signedOf(genuine), "genuine.jsonl").ok()).isTrue();
    }

    @Test
    void aPartitionHoldingRecordsSignedAloneThenInBatchesVerifies() throws Exception {
        // A store that ran before batch signatures and after: the first records signed alone, the next ones in batches.
        List<SignedAuditRecord> signed = new ArrayList<>();
        for (StoredRecord single : chain(node, 5)) {
            signed.add(signedOf(single));
        }
        BatchSigner batches = new BatchSigner(node);
        for (int from = 100; from < 120; from += 8) {
            List<AuditRecord> batch = new ArrayList<>();
            for (int i = from; i < Math.min(120, from + 8); i++) {
                batch.add(Records.record("node-a", i, START.plusMillis(i)));
            }
            signed.addAll(batches.sign("node-a", batch));
        }
        List<StoredRecord> rows = chained(signed);
        ChainVerifier chain = new ChainVerifier(Map.of("node-a", node.publicKey()), ChainVerifier.Scope.STORE);
        for (StoredRecord row : rows) {
            assertThat(chain.accept(row, "row " + row.seq())).as("row %d", row.seq()).isEmpty();
        }
        assertThat(chain.signatureChecks()).as("5 alone, then batches of 8, 8 and 4").isEqualTo(8);
        Verification csv = verify(export(rows, ExportWriter.Format.CSV, "mixed.csv"));
        assertThat(csv.ok()).as(csv.describe()).isTrue();
        assertThat(csv.verified()).isEqualTo(25);
    }

    @Test
    void anExportMadeBeforeBatchSignaturesStillVerifies() throws Exception {
        Path file = export(chain(node, 12), ExportWriter.Format.CSV, "old.csv");
        // The export as it was written before the batch columns existed: 22 columns, the manifest's digest of that file.
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (lines.isEmpty()) {
                lines.add(String.join(",", io.gatehouse.audit.export.ExportedRecord.SINGLE_SIGNED_COLUMNS));
            } else {
                assertThat(line).endsWith(",,,,");
                lines.add(line.substring(0, line.length() - 4));
            }
        }
        Files.write(file, lines);
        Path manifestFile = dir.resolve("old.csv.manifest.json");
        ExportManifest m = Json.mapper().readValue(Files.readAllBytes(manifestFile), ExportManifest.class);
        String digest = io.gatehouse.protocol.audit.Hex.encode(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        Files.write(manifestFile, Json.writeBytes(new ExportManifest(m.format(), m.generatedAt(), m.from(), m.to(), m.apiId(),
                m.consumerId(), m.count(), m.firstHash(), m.lastHash(), m.chainHeads(), m.publicKeys(), digest)));
        Verification result = verify(file);
        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.verified()).isEqualTo(12);
    }

    @Test
    void anExportWithAnyOneByteChangedFailsVerification() throws Exception {
        everyChangedByteFails(export(chain(node, 2), ExportWriter.Format.JSONL, "b.jsonl"));
        everyChangedByteFails(export(batchChain(node, 2, 2), ExportWriter.Format.JSONL, "b2.jsonl"));
    }

    private void everyChangedByteFails(Path file) throws Exception {
        byte[] original = Files.readAllBytes(file);
        // Every 13th byte (every field of a line is hit; verifying each of ~1300 positions takes too long on a
        // shared machine), plus the last byte: each changed to a plausible neighbour value must be caught.
        java.util.stream.IntStream positions = java.util.stream.IntStream.concat(
                java.util.stream.IntStream.iterate(0, i -> i < original.length, i -> i + 13), java.util.stream.IntStream.of(original.length - 1));
        for (int i : positions.toArray()) {
            byte[] changed = original.clone();
            changed[i] = (byte) (changed[i] == '1' ? '2' : changed[i] == '\n' ? ' ' : changed[i] + 1);
            Files.write(file, changed);
            Verification result = verify(file);
            assertThat(result.ok()).as("byte %d changed", i).isFalse();
        }
        Files.write(file, original);
        assertThat(verify(file).ok()).isTrue();
    }

    @Test
    void aChangedFieldIsNamedByItsLine() throws Exception {
        Path file = export(chain(node, 10), ExportWriter.Format.JSONL, "c.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set(6, lines.get(6).replace("\"status\":200", "\"status\":201"));
        Files.write(file, lines);
        Verification result = verify(file);
        assertThat(result.broken()).get().satisfies(b -> {
            assertThat(b.where()).startsWith("line 7");
            assertThat(b.requestId()).isEqualTo("req-7");
            assertThat(b.reason()).contains("signature");
        });
        assertThat(AuditCli.run(new String[] {"verify", file.toString(), dir.resolve("c.jsonl.manifest.json").toString()})).isEqualTo(1);
    }

    @Test
    void aRemovedOrSwappedLineBreaksTheChainThere() throws Exception {
        Path file = export(chain(node, 10), ExportWriter.Format.JSONL, "d.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        List<String> swapped = new ArrayList<>(lines);
        swapped.set(3, lines.get(4));
        swapped.set(4, lines.get(3));
        Files.write(file, swapped);
        assertThat(verify(file).broken()).get().satisfies(b -> assertThat(b.where()).startsWith("line 5"));

        List<String> removed = new ArrayList<>(lines);
        removed.remove(9);
        Files.write(file, removed);
        assertThat(verify(file).broken()).get().satisfies(b -> assertThat(b.reason()).contains("holds 9 records, the manifest says 10"));
    }

    @Test
    void recordsSignedByAnotherKeyAreRefused() throws Exception {
        NodeKeys impostor = NodeKeys.generate();
        Path file = export(chain(impostor, 3), ExportWriter.Format.JSONL, "e.jsonl");
        Verification result = verify(file);
        assertThat(result.broken()).get().satisfies(b -> {
            assertThat(b.where()).startsWith("line 1");
            assertThat(b.reason()).contains("did not sign it");
        });
    }
}
