package io.gatehouse.audit.spool;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes finished requests' audit records from the event loops and makes them durable: a bounded lock-free queue in
 * front of one writer thread that signs each record with the node's key and appends the batch to the spool with one
 * fsync. An event loop only ever pays for {@link #offer}; signing (tens of microseconds) and disk never touch it.
 * When the queue is full (the disk is slower than the traffic), the record is refused and counted, and the request
 * it describes is unaffected.
 */
public final class AuditWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final int BATCH = 1024;
    private final Spool spool;
    private final NodeKeys keys;
    private final int capacity;
    private final ConcurrentLinkedQueue<AuditRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread thread;
    private volatile boolean running = true;

    public AuditWriter(Spool spool, NodeKeys keys, int capacity) {
        this.spool = spool;
        this.keys = keys;
        this.capacity = capacity;
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
        List<byte[]> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            AuditRecord record;
            while (batch.size() < BATCH && (record = queue.poll()) != null) {
                queued.decrementAndGet();
                byte[] canonical = record.canonical();
                batch.add(new SignedAuditRecord(record, canonical, keys.sign(canonical)).encode());
            }
            if (batch.isEmpty()) {
                // A millisecond's nap instead of a wake-up per offer: offer stays a single CAS and a queue insert.
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            try {
                spool.append(batch);
                written.add(batch.size());
            } catch (Exception e) {
                refused.add(batch.size());
                LOG.error("audit spool append failed, {} records lost: {}", batch.size(), e.toString());
            }
            batch.clear();
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

    /** Writes out what is queued, then stops. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
