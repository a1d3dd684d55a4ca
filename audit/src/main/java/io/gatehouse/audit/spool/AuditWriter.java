package io.gatehouse.audit.spool;

import io.gatehouse.audit.signing.BatchSigner;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.protocol.audit.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes finished requests' audit records from the event loops and makes them durable: a bounded lock-free queue in
 * front of one writer thread that gathers a batch, signs it once (a Merkle root, {@link BatchSigner}) and appends it
 * to the spool with one fsync. An event loop only ever pays for {@link #offer}; signing and disk never touch it.
 * When the queue is full (the disk is slower than the traffic), the record is refused and counted, and the request
 * it describes is unaffected.
 *
 * <p>A batch closes at {@code batchRecords} records or {@code linger} after its first record, whichever comes first
 * (defaults 1,024 and 25 ms). The linger is what bounds the signing cost: a JDK Ed25519 signature takes about 600 µs,
 * so a writer that closes a batch every 25 ms spends at most 40 signatures, 2.5% of a core, a second, whatever the
 * traffic; at 20,000 requests a second batches of 500 share each signature (about 1.2 µs a record). The price is
 * that a record waits up to the linger in memory before it is durable. With 5 ms, batches at that rate held about
 * 100 records and signing took 12% of a core, measured as a tenth of the node's throughput.
 * When more than a batch is already waiting, up to {@value #BATCHES_PER_APPEND} batches are signed and appended with
 * one fsync, so under load the disk's flush rate does not bound the writer either.
 */
public final class AuditWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    public static final int DEFAULT_BATCH_RECORDS = 1_024;
    public static final long DEFAULT_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    /** Signed batches written with one fsync when the queue holds that many. */
    public static final int BATCHES_PER_APPEND = 4;
    private final Spool spool;
    private final BatchSigner signer;
    private final int capacity;
    private final int batchRecords;
    private final long lingerNanos;
    private final ConcurrentLinkedQueue<AuditRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final Thread thread;
    private volatile boolean running = true;

    public AuditWriter(Spool spool, NodeKeys keys, int capacity) {
        this(spool, keys, capacity, DEFAULT_BATCH_RECORDS, DEFAULT_LINGER_NANOS);
    }

    public AuditWriter(Spool spool, NodeKeys keys, int capacity, int batchRecords, long lingerNanos) {
        if (batchRecords < 1 || lingerNanos < 0) {
            throw new IllegalArgumentException("a batch needs at least one record and a linger of zero or more");
        }
        this.spool = spool;
        this.signer = new BatchSigner(keys);
        this.capacity = capacity;
        this.batchRecords = batchRecords;
        this.lingerNanos = lingerNanos;
        this.thread = new Thread(this::run, "gatehouse-audit-writer");
        thread.setDaemon(true);
    }

    public AuditWriter start() {
        thread.start();
        return this;
    }

    /** Queues a record for signing and spooling. Never blocks; false when the queue is full (counted). */
    public boolean offer(AuditRecord record) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            refused.increment();
            return false;
        }
        queue.offer(record);
        return true;
    }

    private void run() {
        int perAppend = batchRecords * BATCHES_PER_APPEND;
        List<AuditRecord> batch = new ArrayList<>(perAppend);
        // One buffer for every entry of an append, reused: records are encoded, signed and spooled in place.
        Spool.Entries entries = new Spool.Entries(perAppend * 512);
        long openedAt = 0;
        while (running || !queue.isEmpty() || !batch.isEmpty()) {
            AuditRecord record;
            int taken = 0;
            while (batch.size() < perAppend && (record = queue.poll()) != null) {
                if (batch.isEmpty()) {
                    openedAt = System.nanoTime();
                }
                batch.add(record);
                taken++;
            }
            if (taken > 0) {
                // One update of the shared count per drain, not one per record.
                queued.addAndGet(-taken);
            }
            if (batch.isEmpty()) {
                // A millisecond's nap instead of a wake-up per offer: offer stays a single CAS and a queue insert.
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            long waited = System.nanoTime() - openedAt;
            if (batch.size() < batchRecords && waited < lingerNanos && running) {
                LockSupport.parkNanos(Math.min(lingerNanos - waited, 500_000));
                continue;
            }
            try {
                sign(batch, entries);
                spool.append(entries);
                written.add(batch.size());
            } catch (Exception e) {
                refused.add(batch.size());
                LOG.error("audit batch not signed or spooled, {} records lost: {}", batch.size(), e.toString());
            }
            batch.clear();
            entries.clear();
        }
    }

    /**
     * Signs what was gathered, one signature per {@code batchRecords} records or per run of records of one node (a
     * node's writer only ever sees its own).
     */
    private void sign(List<AuditRecord> batch, Spool.Entries entries) {
        int from = 0;
        for (int i = 1; i <= batch.size(); i++) {
            if (i == batch.size() || i - from == batchRecords || !batch.get(i).nodeId().equals(batch.get(from).nodeId())) {
                signer.seal(batch.get(from).nodeId(), batch.subList(from, i), entries);
                batches.increment();
                from = i;
            }
        }
    }

    /** Records waiting in memory for the writer thread. */
    public int queued() {
        return queued.get();
    }

    /** Records refused because the queue was full or the disk failed. */
    public long refused() {
        return refused.sum();
    }

    public long written() {
        return written.sum();
    }

    /** Batches signed and spooled (one signature each). */
    public long batches() {
        return batches.sum();
    }

    /** Writes out what is queued, then stops. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
