package io.gatehouse.management.audit;

import io.gatehouse.audit.signing.BatchSigner;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.audit.verify.Verification;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane's audit ingest rate (bench/audit-ingest.sh), without Kafka in the way: BENCH_RECORDS records
 * (default 20,000) of one node, batch-signed 1,024 at a time as its writer signs them, handed to the real store on
 * embedded PostgreSQL in polls of BENCH_POLL (default 500, the consumer's max.poll.records). Each record is checked,
 * claimed, chained and inserted as in production. Prints records a second; asserts only that every record was stored
 * once and the store verifies, never a speed. Not part of the test suite (its name matches no test pattern).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AuditIngestBench {
    @Inject
    AuditStore store;

    private static int env(String name, int otherwise) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? otherwise : Integer.parseInt(value.trim());
    }

    @Test
    void ingestRate() throws Exception {
        int total = env("BENCH_RECORDS", 20_000);
        int poll = env("BENCH_POLL", 500);
        NodeKeys keys = NodeKeys.generate();
        String nodeId = "node-bench-" + UUID.randomUUID().toString().substring(0, 8);
        store.registerKey(nodeId, keys.publicKeyBase64());
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant start = Instant.parse("2034-03-01T00:00:00Z");
        BatchSigner signer = new BatchSigner(keys);
        List<byte[]> messages = new ArrayList<>(total);
        List<AuditRecord> pending = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            pending.add(new AuditRecord(run + "-" + i, start.plusMillis(i), nodeId, "consumer-" + (i % 50), "app-" + (i % 50), "orders",
                    "GET /orders/{id}", "GET", "/orders/" + i, i % 7 == 0 ? 429 : 200, i % 7 == 0 ? "rate_limited" : null, 850, 0, 120,
                    "10.0.0." + (i % 200), AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256));
            if (pending.size() == 1_024 || i == total - 1) {
                signer.sign(nodeId, pending).forEach(signed -> messages.add(signed.encode()));
                pending.clear();
            }
        }
        // The first poll makes the month's partition and warms the JIT; the rest is measured.
        store.ingest(messages.subList(0, Math.min(poll, total)));
        long began = System.nanoTime();
        int measured = 0;
        for (int from = poll; from < total; from += poll) {
            List<byte[]> batch = messages.subList(from, Math.min(from + poll, total));
            store.ingest(batch);
            measured += batch.size();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("audit ingest bench: %d records in polls of %d, %d measured in %.2f s: %.0f records/s%n",
                total, poll, measured, seconds, measured / seconds);

        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*), count(distinct request_id) from audit_records where request_id like '" + run + "-%'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(total);
            assertThat(rs.getLong(2)).isEqualTo(total);
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
    }
}
