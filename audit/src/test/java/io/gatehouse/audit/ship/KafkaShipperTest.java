package io.gatehouse.audit.ship;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.testing.KafkaBroker;
import io.gatehouse.audit.testing.Records;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaShipperTest {
    private static KafkaBroker broker;
    private static Path brokerDir;
    @TempDir
    Path dataDir;

    @BeforeAll
    static void startBroker() throws Exception {
        brokerDir = Files.createTempDirectory("gatehouse-kafka");
        long started = System.nanoTime();
        broker = new KafkaBroker(brokerDir).start();
        System.out.printf("broker started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** Reads the topic from the start until {@code expected} distinct request ids are seen or the deadline passes. */
    private static Map<String, Integer> consume(String topic, int expected, NodeKeys keys, Duration within) {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + within.toNanos();
            // Keep reading a little after the expected count is reached, so a late duplicate would show.
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> message : consumer.poll(Duration.ofMillis(200))) {
                    SignedAuditRecord signed = SignedAuditRecord.decode(message.value());
                    assertThat(message.key()).isEqualTo(signed.record().consumerId());
                    assertThat(SignatureCheck.valid(keys.publicKey(), signed.canonical(), signed.signature())).isTrue();
                    seen.merge(signed.record().requestId(), 1, Integer::sum);
                }
                if (seen.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        return seen;
    }

    @Test
    void everySpooledRecordReachesKafkaOnceSignedAndKeyedByConsumer() throws Exception {
        String topic = "audit-" + UUID.randomUUID();
        NodeKeys keys = NodeKeys.loadOrCreate(dataDir);
        try (Spool spool = new Spool(dataDir.resolve("spool"), 64 << 20, 1 << 20)) {
            AuditWriter writer = new AuditWriter(spool, keys, 10_000).start();
            KafkaShipper shipper = new KafkaShipper(spool, broker.bootstrap(), topic, Map.of()).start();
            for (int i = 0; i < 300; i++) {
                assertThat(writer.offer(Records.record("node-a", i, Instant.now()))).isTrue();
            }
            Map<String, Integer> seen = consume(topic, 300, keys, Duration.ofSeconds(60));
            assertThat(seen).hasSize(300);
            assertThat(seen.values()).containsOnly(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (spool.depth() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(spool.depth()).isZero();
            shipper.close();
            writer.close();
        }
    }

    @Test
    void aBrokerOutageOnlyDeepensTheSpoolAndEveryRecordArrivesOnceAfterIt() throws Exception {
        String topic = "audit-" + UUID.randomUUID();
        NodeKeys keys = NodeKeys.loadOrCreate(dataDir);
        try (Spool spool = new Spool(dataDir.resolve("spool"), 64 << 20, 1 << 20)) {
            AuditWriter writer = new AuditWriter(spool, keys, 10_000).start();
            KafkaShipper shipper = new KafkaShipper(spool, broker.bootstrap(), topic, Map.of()).start();
            for (int i = 0; i < 100; i++) {
                writer.offer(Records.record("node-a", i, Instant.now()));
            }
            assertThat(consume(topic, 100, keys, Duration.ofSeconds(60))).hasSize(100);

            broker.stop();
            long slowestOfferNanos = 0;
            for (int i = 100; i < 400; i++) {
                long start = System.nanoTime();
                assertThat(writer.offer(Records.record("node-a", i, Instant.now()))).isTrue();
                slowestOfferNanos = Math.max(slowestOfferNanos, System.nanoTime() - start);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (spool.depth() < 300 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            System.out.printf("during the outage: spool depth %d, slowest offer %d µs%n", spool.depth(), slowestOfferNanos / 1_000);
            assertThat(spool.depth()).isGreaterThanOrEqualTo(300);
            assertThat(slowestOfferNanos).isLessThan(Duration.ofMillis(50).toNanos());

            broker.start();
            Map<String, Integer> seen = consume(topic, 400, keys, Duration.ofSeconds(90));
            assertThat(seen).hasSize(400);
            assertThat(seen.values()).as("each record delivered once").containsOnly(1);
            System.out.printf("after the outage: %d records, %d batches sent again%n", seen.size(), shipper.failures());
            shipper.close();
            writer.close();
        }
    }
}
