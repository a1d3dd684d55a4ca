import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one audit record costs the node's writer thread: canonical encoding, the Ed25519 signature, and the spool
 * append (batches as the writer makes them, each with its fsync). Run by bench/audit.sh with the gateway's jar on the
 * class path: java -cp gateway-all.jar bench/SpoolWriteCost.java [records] [batch]
 */
public class SpoolWriteCost {
    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path dir = Files.createTempDirectory("spool-bench");
        NodeKeys keys = NodeKeys.generate();
        List<AuditRecord> input = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            input.add(new AuditRecord(String.format("%032x", i), Instant.now(), "node-1", "consumer-" + (i % 100), "app-" + (i % 300),
                    "api-" + (i % 10), "GET /orders/{id}", "GET", "/orders/" + i, 200, null, 1_500 + i % 700, 0, 128,
                    "10.0.0." + (i % 250), AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256));
        }
        // Warm-up: the JIT first, then the measured pass on a fresh spool.
        run(input.subList(0, Math.min(20_000, records)), batch, keys, Files.createTempDirectory("spool-warm"));
        long[] took = run(input, batch, keys, dir);
        double signUs = took[0] / 1000.0 / records;
        double appendUs = took[1] / 1000.0 / records;
        System.out.printf("records %d, batch %d: encode+sign %.2f us/record, spool append (fsync per batch) %.2f us/record, %.0f records/s for one writer thread%n",
                records, batch, signUs, appendUs, records / ((took[0] + took[1]) / 1e9));
        System.out.printf("RESULT spool_sign_us=%.2f spool_append_us=%.2f spool_records_per_s=%.0f%n", signUs, appendUs,
                records / ((took[0] + took[1]) / 1e9));
    }

    /** @return nanoseconds spent encoding and signing, and appending */
    static long[] run(List<AuditRecord> input, int batch, NodeKeys keys, Path dir) throws Exception {
        long signing = 0;
        long appending = 0;
        try (Spool spool = new Spool(dir, 1L << 34, 64L << 20)) {
            List<byte[]> pending = new ArrayList<>(batch);
            for (int i = 0; i < input.size(); i++) {
                long t0 = System.nanoTime();
                AuditRecord record = input.get(i);
                byte[] canonical = record.canonical();
                pending.add(new SignedAuditRecord(record, canonical, keys.sign(canonical)).encode());
                long t1 = System.nanoTime();
                signing += t1 - t0;
                if (pending.size() == batch || i == input.size() - 1) {
                    spool.append(pending);
                    appending += System.nanoTime() - t1;
                    pending.clear();
                }
            }
        }
        return new long[] {signing, appending};
    }
}
