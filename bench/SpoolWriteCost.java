import io.gatehouse.audit.signing.BatchSigner;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one audit record costs the node's writer thread, and the control plane's check of it, on one thread:
 * <ol>
 *   <li>single signatures (the first form): canonical encoding and an Ed25519 signature per record, then its check;</li>
 *   <li>batch signatures (what nodes do now): each record encoded in place into its spool entry and hashed there,
 *       a Merkle tree per batch of {@code batch} records, one signature per batch, each entry's proof filled in; then
 *       the spool append (one fsync per four batches, as the writer under load), and the check of every record (its
 *       path, and each batch's signature once).</li>
 * </ol>
 * Run by bench/audit.sh with the gateway's jar on the class path:
 * {@code java -cp gateway-all.jar bench/SpoolWriteCost.java [records] [batch] [single-signed records]}
 */
public class SpoolWriteCost {
    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        // Single signatures cost hundreds of microseconds each: a few thousand give a stable figure.
        int singles = args.length > 2 ? Integer.parseInt(args[2]) : Math.min(records, 3_000);
        NodeKeys keys = NodeKeys.generate();
        List<AuditRecord> input = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            input.add(new AuditRecord(String.format("%032x", i), Instant.now(), "node-1", "consumer-" + (i % 100), "app-" + (i % 300),
                    "api-" + (i % 10), "GET /orders/{id}", "GET", "/orders/" + i, 200, null, 1_500 + i % 700, 0, 128,
                    "10.0.0." + (i % 250), AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256));
        }

        // Warm-up of both paths (the JIT first), then the measured passes on fresh data.
        single(input.subList(0, Math.min(300, singles)), keys);
        batched(input.subList(0, Math.min(20_000, records)), batch, keys, Files.createTempDirectory("spool-warm"));

        long[] one = single(input.subList(0, singles), keys);
        double singleSignUs = one[0] / 1000.0 / singles;
        double singleCheckUs = one[1] / 1000.0 / singles;
        System.out.printf("single signatures, %d records: encode+sign %.1f us/record (%.0f records/s), check %.1f us/record (%.0f records/s)%n",
                singles, singleSignUs, 1e6 / singleSignUs, singleCheckUs, 1e6 / singleCheckUs);

        long[] took = batched(input, batch, keys, Files.createTempDirectory("spool-bench"));
        double signUs = took[0] / 1000.0 / records;
        double appendUs = took[1] / 1000.0 / records;
        double checkUs = took[2] / 1000.0 / records;
        double signCpuUs = took[3] / 1000.0 / records;
        double appendCpuUs = took[4] / 1000.0 / records;
        System.out.printf("batch signatures, %d records in batches of %d: encode+tree+sign %.2f us/record (%.0f records/s),"
                        + " spool append (fsync per %d batches) %.2f us/record, %.0f records/s for one writer thread; check %.2f us/record (%.0f records/s)%n",
                records, batch, signUs, 1e6 / signUs, AuditWriter.BATCHES_PER_APPEND, appendUs, records / ((took[0] + took[1]) / 1e9), checkUs, 1e6 / checkUs);
        // Wall time includes waiting for fsync; CPU time is what the writer thread takes from the node's cores.
        System.out.printf("CPU time of the writer thread per record: encode+tree+sign %.2f us, spool append %.2f us, together %.2f us%n",
                signCpuUs, appendCpuUs, signCpuUs + appendCpuUs);
        // The whole process (garbage collection and the JIT included) over the batched run, per record.
        double processCpuUs = took[5] / 1000.0 / records;
        System.out.printf("RESULT batch_sign_cpu_us=%.2f spool_append_cpu_us=%.2f writer_cpu_us=%.2f process_cpu_us=%.2f%n", signCpuUs,
                appendCpuUs, signCpuUs + appendCpuUs, processCpuUs);
        System.out.printf("RESULT single_sign_us=%.1f single_signed_per_s=%.0f single_check_per_s=%.0f batch=%d batch_sign_us=%.2f"
                        + " batch_signed_per_s=%.0f spool_append_us=%.2f spool_records_per_s=%.0f batch_check_per_s=%.0f%n",
                singleSignUs, 1e6 / singleSignUs, 1e6 / singleCheckUs, batch, signUs, 1e6 / signUs, appendUs,
                records / ((took[0] + took[1]) / 1e9), 1e6 / checkUs);
    }

    /** @return nanoseconds spent encoding and signing each record alone, and checking each signature */
    static long[] single(List<AuditRecord> input, NodeKeys keys) {
        List<byte[]> signed = new ArrayList<>(input.size());
        long t0 = System.nanoTime();
        for (AuditRecord record : input) {
            byte[] canonical = record.canonical();
            signed.add(new SignedAuditRecord(record, canonical, keys.sign(canonical)).encode());
        }
        long t1 = System.nanoTime();
        SealCheck check = new SealCheck();
        for (byte[] message : signed) {
            SignedAuditRecord s = SignedAuditRecord.decode(message);
            if (check.problem(keys.publicKey(), s.record().nodeId(), s.canonical(), s.signature(), s.proof()) != null) {
                throw new IllegalStateException("a record did not verify");
            }
        }
        return new long[] {t1 - t0, System.nanoTime() - t1};
    }

    /**
     * As the node's writer: each batch sealed in place into one reusable buffer of spool entries (canonical form,
     * leaf hash, tree, one signature, proof), several batches to an append with one fsync.
     *
     * @return nanoseconds spent encoding, building trees and signing; appending to the spool; checking every record
     */
    static long[] batched(List<AuditRecord> input, int batch, NodeKeys keys, Path dir) throws Exception {
        long signing = 0;
        long appending = 0;
        long signingCpu = 0;
        long appendingCpu = 0;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long process0 = os.getProcessCpuTime();
        long processCpu;
        BatchSigner signer = new BatchSigner(keys);
        List<byte[]> all = new ArrayList<>(input.size());
        try (Spool spool = new Spool(dir, 1L << 34, 64L << 20)) {
            Spool.Entries pending = new Spool.Entries(batch * AuditWriter.BATCHES_PER_APPEND * 512);
            for (int from = 0; from < input.size(); from += batch) {
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                signer.seal("node-1", input.subList(from, Math.min(input.size(), from + batch)), pending);
                long t1 = System.nanoTime();
                long c1 = cpu.getCurrentThreadCpuTime();
                signing += t1 - t0;
                signingCpu += c1 - c0;
                // As the writer does under load: several signed batches to one append and fsync.
                if (pending.count() >= batch * AuditWriter.BATCHES_PER_APPEND || from + batch >= input.size()) {
                    spool.append(pending);
                    appending += System.nanoTime() - t1;
                    appendingCpu += cpu.getCurrentThreadCpuTime() - c1;
                }
            }
            processCpu = os.getProcessCpuTime() - process0;
            for (List<Spool.Entry> read = spool.read(10_000); !read.isEmpty(); read = spool.read(10_000)) {
                for (Spool.Entry entry : read) {
                    all.add(entry.payload());
                }
            }
        }
        if (all.size() != input.size()) {
            throw new IllegalStateException(all.size() + " records read back from the spool, " + input.size() + " written");
        }
        SealCheck check = new SealCheck();
        long t2 = System.nanoTime();
        for (byte[] message : all) {
            SignedAuditRecord s = SignedAuditRecord.decode(message);
            if (check.problem(keys.publicKey(), s.record().nodeId(), s.canonical(), s.signature(), s.proof()) != null) {
                throw new IllegalStateException("a record did not verify");
            }
        }
        return new long[] {signing, appending, System.nanoTime() - t2, signingCpu, appendingCpu, processCpu};
    }
}
