package io.gatehouse.audit.ship;

import io.gatehouse.audit.spool.Spool;
import io.gatehouse.protocol.audit.MalformedAuditRecordException;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Moves spooled audit records to Kafka on its own thread. A batch is acknowledged to the spool only when Kafka has
 * acknowledged every record of it ({@code acks=all}, idempotent producer); a failed batch is sent again after a
 * back-off, so a broker that is down only makes the spool deeper. Records are keyed by consumer id (the node id when
 * there is none), so one consumer's records stay in order in one partition.
 */
public final class KafkaShipper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaShipper.class);
    private static final int BATCH = 500;
    private final Spool spool;
    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final LongAdder shipped = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder unreadable = new LongAdder();
    private volatile boolean running = true;

    public KafkaShipper(Spool spool, String bootstrapServers, String topic, Map<String, Object> overrides) {
        this.spool = spool;
        this.topic = topic;
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        // send() waits this long for metadata when the broker is away; it runs on this thread only.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "gatehouse-audit");
        config.putAll(overrides);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "gatehouse-audit-shipper");
        thread.setDaemon(true);
    }

    public KafkaShipper start() {
        thread.start();
        return this;
    }

    private void run() {
        long backoffMs = 200;
        List<Future<RecordMetadata>> sent = new ArrayList<>(BATCH);
        List<Long> sentSeqs = new ArrayList<>(BATCH);
        while (running) {
            sent.clear();
            sentSeqs.clear();
            try {
                List<Spool.Entry> batch = spool.read(BATCH);
                if (batch.isEmpty()) {
                    LockSupport.parkNanos(5_000_000);
                    continue;
                }
                for (Spool.Entry entry : batch) {
                    SignedAuditRecord record;
                    try {
                        record = SignedAuditRecord.decode(entry.payload());
                    } catch (MalformedAuditRecordException e) {
                        unreadable.increment();
                        LOG.error("spool entry {} is not a signed audit record, skipped: {}", entry.seq(), e.getMessage());
                        continue;
                    }
                    String key = record.record().consumerId() != null ? record.record().consumerId() : record.record().nodeId();
                    sent.add(producer.send(new ProducerRecord<>(topic, key, entry.payload())));
                    sentSeqs.add(entry.seq());
                }
                producer.flush();
                for (Future<RecordMetadata> future : sent) {
                    future.get(1, TimeUnit.MINUTES);
                }
                spool.acknowledge(batch.get(batch.size() - 1).seq() + 1);
                shipped.add(sent.size());
                backoffMs = 200;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failures.increment();
                LOG.warn("audit records not delivered to Kafka, retrying in {} ms: {}", backoffMs, e.toString());
                keepDelivered(sent, sentSeqs);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMs));
                backoffMs = Math.min(5_000, backoffMs * 2);
            }
        }
    }

    /**
     * After a failed batch: records queued before the failure may still be delivered. Waits for them, acknowledges
     * the delivered prefix, and rewinds the spool to the first record not known delivered, so a retry resends as
     * little as possible (the store is idempotent for whatever is resent anyway).
     */
    private void keepDelivered(List<Future<RecordMetadata>> sent, List<Long> seqs) {
        try {
            producer.flush();
            int delivered = 0;
            for (Future<RecordMetadata> future : sent) {
                if (!future.isDone() || future.isCancelled()) {
                    break;
                }
                try {
                    future.get();
                } catch (Exception failed) {
                    break;
                }
                delivered++;
            }
            if (delivered > 0) {
                spool.acknowledge(seqs.get(delivered - 1) + 1);
                shipped.add(delivered);
            }
            spool.rewind();
        } catch (Exception e) {
            LOG.error("audit spool rewind failed: {}", e.toString());
        }
    }

    /** Records Kafka has acknowledged. */
    public long shipped() {
        return shipped.sum();
    }

    /** Batches that failed and were sent again. */
    public long failures() {
        return failures.sum();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
