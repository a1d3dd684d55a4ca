package io.gatehouse.audit.spool;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.audit.testing.Records;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AuditWriterTest {
    @TempDir
    Path dir;

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aBurstIsSignedInFullBatchesAndEveryRecordVerifiesAlone() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        try (Spool spool = new Spool(dir.resolve("spool"), 64 << 20, 1 << 20)) {
            // The burst is queued before the writer starts, so the writer finds all of it at once: trees of at most 64.
            AuditWriter writer = new AuditWriter(spool, keys, 10_000, 64, TimeUnit.MILLISECONDS.toNanos(200));
            for (int i = 0; i < 200; i++) {
                assertThat(writer.offer(Records.record("node-a", i, Instant.now()))).isTrue();
            }
            writer.start();
            await("200 records spooled", () -> writer.written() == 200);
            writer.close();
            assertThat(writer.batches()).as("64 + 64 + 64 + 8").isEqualTo(4);

            SealCheck seals = new SealCheck();
            Map<Long, Set<Integer>> leavesByBatch = new HashMap<>();
            List<Spool.Entry> entries = spool.read(1_000);
            assertThat(entries).hasSize(200);
            for (Spool.Entry entry : entries) {
                SignedAuditRecord signed = SignedAuditRecord.decode(entry.payload());
                // Each record checked on its own, as an auditor holding one record and the public key would.
                assertThat(new SealCheck().problem(keys.publicKey(), "node-a", signed.canonical(), signed.signature(), signed.proof())).isNull();
                assertThat(seals.problem(keys.publicKey(), "node-a", signed.canonical(), signed.signature(), signed.proof())).isNull();
                leavesByBatch.computeIfAbsent(signed.proof().batchId(), b -> new HashSet<>()).add(signed.proof().leafIndex());
            }
            assertThat(seals.signatureChecks()).isEqualTo(4);
            assertThat(leavesByBatch.values().stream().map(Set::size).sorted().toList()).containsExactly(8, 64, 64, 64);
        }
    }

    @Test
    void aLoneRecordIsSignedOnceItsBatchHasLingered() throws Exception {
        NodeKeys keys = NodeKeys.generate();
        try (Spool spool = new Spool(dir.resolve("spool"), 64 << 20, 1 << 20)) {
            AuditWriter writer = new AuditWriter(spool, keys, 10_000, 256, TimeUnit.MILLISECONDS.toNanos(20)).start();
            long start = System.nanoTime();
            writer.offer(Records.record("node-a", 1, Instant.now()));
            await("the lone record spooled", () -> writer.written() == 1);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("a lone record spooled %d ms after its offer (linger 20 ms)%n", tookMs);
            assertThat(tookMs).as("not before its linger").isGreaterThanOrEqualTo(19);
            assertThat(writer.batches()).isEqualTo(1);
            SignedAuditRecord signed = SignedAuditRecord.decode(spool.read(10).get(0).payload());
            assertThat(signed.proof().leafCount()).isEqualTo(1);
            assertThat(signed.proof().path()).isEmpty();
            assertThat(new SealCheck().problem(keys.publicKey(), "node-a", signed.canonical(), signed.signature(), signed.proof())).isNull();
            writer.close();
        }
    }
}
