package io.gatehouse.management.audit;

import io.gatehouse.audit.ship.KafkaShipper;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
class AuditIngestTest {
    @Inject
    AuditStore store;
    @TempDir
    Path dir;

    private static long stored(String prefix) throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
             ResultSet rs = c.createStatement().executeQuery("select count(*) from audit_records where request_id like '" + prefix + "%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aNodesRecordsFlowThroughKafkaIntoTheStoreOnceEach() throws Exception {
        String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
        NodeKeys keys = NodeKeys.loadOrCreate(dir);
        RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType(ContentType.JSON)
                .body(Map.of("publicKey", keys.publicKeyBase64())).put("/admin/nodes/" + nodeId + "/audit-key").then().statusCode(201);
        long duplicatesBefore = store.duplicates();
        long checksBefore = store.signatureChecks();
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (Spool spool = new Spool(dir.resolve("spool"), 64 << 20, 1 << 20)) {
            AuditWriter writer = new AuditWriter(spool, keys, 10_000).start();
            KafkaShipper shipper = new KafkaShipper(spool, KafkaResource.broker.bootstrap(), SignedAuditRecord.TOPIC, Map.of()).start();
            for (int i = 0; i < 200; i++) {
                writer.offer(new AuditRecord(run + "-" + i, Instant.now(), nodeId, "consumer-" + (i % 4), "app", "orders", null, "GET",
                        "/orders/" + i, 200, null, 500, 0, 10, "127.0.0.1", AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256));
            }
            long start = System.nanoTime();
            long deadline = start + Duration.ofSeconds(90).toNanos();
            while (stored(run) < 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf("200 records from spool to store in %d ms, %d signed batches, %d signature checks at ingest%n",
                    (System.nanoTime() - start) / 1_000_000, writer.batches(), store.signatureChecks() - checksBefore);
            assertThat(stored(run)).isEqualTo(200);
            // Batch-signed: the node signed each batch once, and ingest checked each batch's signature once.
            assertThat(writer.batches()).isBetween(1L, 199L);
            assertThat(store.signatureChecks() - checksBefore).isEqualTo(writer.batches());
            shipper.close();
            writer.close();
        }
        // A producer that sends the first 50 again (a retry after a lost acknowledgement): stored once still.
        try (Spool replay = new Spool(dir.resolve("spool"), 64 << 20, 1 << 20);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaResource.broker.bootstrap()),
                     new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 50; i++) {
                AuditRecord again = new AuditRecord(run + "-" + i, Instant.now(), nodeId, "consumer-" + (i % 4), "app", "orders", null, "GET",
                        "/orders/" + i, 200, null, 500, 0, 10, "127.0.0.1", AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
                producer.send(new ProducerRecord<>(SignedAuditRecord.TOPIC, again.consumerId(),
                        SignedAuditRecord.of(again, keys.sign(again.canonical())).encode()));
            }
            producer.flush();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (store.duplicates() - duplicatesBefore < 50 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(store.duplicates() - duplicatesBefore).isEqualTo(50);
        assertThat(stored(run)).isEqualTo(200);
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres")) {
            assertThat(StoreVerifier.verify(c).ok()).isTrue();
        }
    }
}
