package io.gatehouse.management.audit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import io.gatehouse.management.GatehouseConfig;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the audit topic and hands each polled batch to the store; offsets are committed only after the batch's
 * transaction committed, so a crash re-reads a batch and the store's idempotency (by request id) keeps every record
 * once. One thread: the chain is computed by one writer per control plane, and the partition head lock orders
 * writers across instances. Off unless {@code gatehouse.audit.kafka.bootstrap} is set.
 */
@ApplicationScoped
public class AuditIngest {
    private static final Logger LOG = Logger.getLogger(AuditIngest.class);

    @Inject
    AuditStore store;

    @Inject
    GatehouseConfig config;
    @Inject
    io.gatehouse.management.metrics.ControlPlaneMetrics metrics;

    private Optional<String> bootstrap;
    private String topic;
    private String group;

    private volatile boolean running;
    private Thread thread;
    private KafkaConsumer<String, byte[]> consumer;

    void onStart(@Observes StartupEvent event) {
        bootstrap = config.audit().kafka().bootstrap();
        topic = config.audit().kafka().topic();
        group = config.audit().kafka().group();
        if (bootstrap.isEmpty() || bootstrap.get().isBlank()) {
            LOG.info("audit ingest off: gatehouse.audit.kafka.bootstrap is not set");
            return;
        }
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "gatehouse-audit-ingest");
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = new Thread(this::run, "gatehouse-audit-ingest");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("audit ingest reading %s from %s", topic, bootstrap.get());
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
            thread.join(10_000);
        }
    }

    private void run() {
        long backoffMs = 200;
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<String, byte[]> batch;
                try {
                    batch = consumer.poll(Duration.ofMillis(500));
                } catch (WakeupException e) {
                    break;
                }
                if (batch.isEmpty()) {
                    continue;
                }
                List<byte[]> values = new ArrayList<>(batch.count());
                for (ConsumerRecord<String, byte[]> message : batch) {
                    values.add(message.value());
                }
                try {
                    AuditStore.Outcome outcome = store.ingest(values);
                    consumer.commitSync();
                    metrics.auditIngested(outcome.stored());
                    backoffMs = 200;
                } catch (Exception e) {
                    LOG.warnf("audit batch of %d not stored, reading it again in %d ms: %s", values.size(), backoffMs, e.toString());
                    for (TopicPartition partition : batch.partitions()) {
                        consumer.seek(partition, batch.records(partition).get(0).offset());
                    }
                    Thread.sleep(backoffMs);
                    backoffMs = Math.min(5_000, backoffMs * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.error("audit ingest stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
