package io.gatehouse.management.audit;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.verify.AuditCli;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.audit.verify.Verification;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.Hex;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention on a real PostgreSQL, with a short period and a clock set in 2001 (no other test stores records that
 * old, so the shared store's other months are never touched).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AuditRetentionTest {
    private static final NodeKeys NODE = NodeKeys.generate();
    private static final String NODE_ID = "node-retention-" + UUID.randomUUID().toString().substring(0, 8);

    @Inject
    AuditStore store;
    @Inject
    AuditRetention retention;

    private static Connection jdbc() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        return DriverManager.getConnection(url, "postgres", "postgres");
    }

    private static List<byte[]> month(String prefix, Instant start, int count) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AuditRecord record = new AuditRecord(prefix + "-" + i, start.plusSeconds(60L * i), NODE_ID, "consumer-1", "app-1", "orders",
                    "GET /orders/{id}", "GET", "/orders/" + i, 200, null, 700, 0, 20, "10.0.0.1", AuditRecord.EMPTY_SHA256,
                    AuditRecord.EMPTY_SHA256);
            out.add(SignedAuditRecord.of(record, NODE.sign(record.canonical())).encode());
        }
        return out;
    }

    private static String head(Connection c, String partition) throws Exception {
        try (PreparedStatement st = c.prepareStatement("select seq, head_hash from audit_chain_heads where partition_month = ?")) {
            st.setString(1, partition);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) + ":" + Hex.encode(rs.getBytes(2)) : null;
            }
        }
    }

    private static boolean tableExists(Connection c, String table) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select to_regclass('" + table + "') is not null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void oldPartitionsAreDroppedTheirHeadsKeptAndTheStoreStillVerifies() throws Exception {
        assertThat(store.registerKey(NODE_ID, NODE.publicKeyBase64())).isTrue();
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<byte[]> january = month(run + "-jan", Instant.parse("2001-01-10T08:00:00Z"), 5);
        store.ingest(january);
        store.ingest(month(run + "-feb", Instant.parse("2001-02-27T23:00:00Z"), 4));
        store.ingest(month(run + "-may", Instant.parse("2001-05-02T10:00:00Z"), 3));
        String januaryHead;
        try (Connection c = jdbc()) {
            januaryHead = head(c, "2001-01");
            assertThat(januaryHead).startsWith("5:");
        }

        // Three months' retention on 2001-06-15: February ended on 1 March, more than three months before; March is kept.
        assertThat(AuditRetention.firstKept(Instant.parse("2001-06-15T12:00:00Z"), 3)).isEqualTo(YearMonth.of(2001, 3));
        List<AuditRetention.Retired> dropped = retention.retire(Instant.parse("2001-06-15T12:00:00Z"), 3);
        assertThat(dropped).extracting(AuditRetention.Retired::partition).containsExactly("2001-01", "2001-02");
        AuditRetention.Retired jan = dropped.get(0);
        assertThat(jan.count() + ":" + jan.headHash()).as("the head kept is the head the chain had").isEqualTo(januaryHead);
        assertThat(jan.firstAt()).isEqualTo(Instant.parse("2001-01-10T08:00:00Z"));
        assertThat(jan.lastAt()).isEqualTo(Instant.parse("2001-01-10T08:04:00Z"));
        assertThat(retention.retired()).extracting(AuditRetention.Retired::partition).contains("2001-01", "2001-02");
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN)
                .get("/admin/audit/retired-partitions").then().statusCode(200)
                .body("find { it.partition == '2001-01' }.count", org.hamcrest.Matchers.equalTo(5))
                .body("find { it.partition == '2001-01' }.headHash", org.hamcrest.Matchers.equalTo(januaryHead.substring(2)))
                .body("find { it.partition == '2001-01' }.firstAt", org.hamcrest.Matchers.equalTo("2001-01-10T08:00:00Z"));

        try (Connection c = jdbc()) {
            assertThat(tableExists(c, "audit_records_2001_01")).as("the partition is dropped whole").isFalse();
            assertThat(tableExists(c, "audit_records_2001_02")).isFalse();
            assertThat(tableExists(c, "audit_records_2001_05")).isTrue();
            assertThat(head(c, "2001-01")).isNull();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from audit_request_ids where request_id like '" + run + "-jan%'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the idempotency keys of a dropped month go with it").isZero();
            }
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
            assertThat(clean.retiredPartitions()).isGreaterThanOrEqualTo(2);
            assertThat(clean.describe()).contains("dropped by retention");
        }
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        assertThat(AuditCli.run(new String[] {"verify", url + "?user=postgres&password=postgres"})).isZero();

        // Kafka redelivers a January record after the drop: it is not stored, and January does not come back.
        assertThat(store.ingest(january.subList(0, 1))).isEqualTo(new AuditStore.Outcome(0, 0, 0, 1));
        // In one batch with a new May record (sent twice): the January ones expire, May's is stored once.
        byte[] lateMay = month(run + "-may-late", Instant.parse("2001-05-20T00:00:00Z"), 1).get(0);
        assertThat(store.ingest(List.of(january.get(1), lateMay, january.get(2), lateMay))).isEqualTo(new AuditStore.Outcome(1, 1, 0, 2));
        try (Connection c = jdbc()) {
            assertThat(tableExists(c, "audit_records_2001_01")).isFalse();
            assertThat(StoreVerifier.verify(c).ok()).isTrue();

            // A kept row changed is still found, and named.
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("update audit_records set status = 500 where partition_month = '2001-05' and seq = 2");
            }
            Verification tampered = StoreVerifier.verify(c);
            assertThat(tampered.ok()).isFalse();
            assertThat(tampered.describe()).contains("partition 2001-05 row 2", "signature");
        }
        try (Connection c = jdbc()) {
            // Rows put back into a dropped month are a break too: retention said the month is gone.
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("create table audit_records_2001_01 partition of audit_records for values from ('2001-01-01 00:00:00+00')"
                        + " to ('2001-02-01 00:00:00+00')");
                st.execute("insert into audit_records (partition_month, seq, request_id, at, node_id, method, path, status, latency_micros,"
                        + " bytes_in, bytes_out, request_sha256, response_sha256, signature, prev_hash, chain_hash)"
                        + " select '2001-01', 1, 'forged', '2001-01-10T08:00:00Z', node_id, method, path, status, latency_micros,"
                        + " bytes_in, bytes_out, request_sha256, response_sha256, signature, prev_hash, chain_hash"
                        + " from audit_records where partition_month = '2001-05' and seq = 1");
            }
            Verification revived = StoreVerifier.verify(c);
            assertThat(revived.ok()).isFalse();
            assertThat(revived.describe()).contains("2001-01", "retired by retention");
        }
    }

    @Test
    void aPartitionWhoseChainIsBrokenIsKeptPastRetention() throws Exception {
        String node = "node-retention-broken-" + UUID.randomUUID().toString().substring(0, 8);
        NodeKeys keys = NodeKeys.generate();
        assertThat(store.registerKey(node, keys.publicKeyBase64())).isTrue();
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AuditRecord record = new AuditRecord("broken-" + UUID.randomUUID(), Instant.parse("2000-11-05T00:00:00Z").plusSeconds(i), node,
                    null, null, "orders", null, "GET", "/orders", 200, null, 500, 0, 2, null, AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
            records.add(SignedAuditRecord.of(record, keys.sign(record.canonical())).encode());
        }
        store.ingest(records);
        try (Connection c = jdbc(); Statement st = c.createStatement()) {
            st.execute("update audit_records set status = 204 where partition_month = '2000-11' and seq = 2");
            try {
                assertThat(retention.retire(Instant.parse("2001-06-15T12:00:00Z"), 3))
                        .extracting(AuditRetention.Retired::partition).doesNotContain("2000-11");
                assertThat(tableExists(c, "audit_records_2000_11")).as("a month that does not verify is kept for inspection").isTrue();
                assertThat(head(c, "2000-11")).startsWith("3:");
            } finally {
                st.execute("update audit_records set status = 200 where partition_month = '2000-11' and seq = 2");
            }
            // Put right, the month goes at the next run.
            assertThat(retention.retire(Instant.parse("2001-06-15T12:00:00Z"), 3))
                    .extracting(AuditRetention.Retired::partition).contains("2000-11");
            assertThat(tableExists(c, "audit_records_2000_11")).isFalse();
        }
    }
}
