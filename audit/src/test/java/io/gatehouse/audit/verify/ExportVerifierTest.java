package io.gatehouse.audit.verify;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.testing.Records;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.audit.AuditRecord;
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
    void anExportWithAnyOneByteChangedFailsVerification() throws Exception {
        Path file = export(chain(node, 2), ExportWriter.Format.JSONL, "b.jsonl");
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
