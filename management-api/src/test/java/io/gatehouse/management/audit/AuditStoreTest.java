package io.gatehouse.management.audit;

import io.gatehouse.audit.signing.BatchSigner;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.verify.AuditCli;
import io.gatehouse.audit.verify.ExportVerifier;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.audit.verify.Verification;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.Hex;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AuditStoreTest {
    private static final NodeKeys NODE = NodeKeys.generate();
    private static final String NODE_ID = "node-" + UUID.randomUUID().toString().substring(0, 8);
    private static boolean registered;

    @Inject
    AuditStore store;

    private static RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    private static Connection jdbc() throws Exception {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        return DriverManager.getConnection(url, "postgres", "postgres");
    }

    @BeforeEach
    void registerTheNodeOnce() {
        if (!registered) {
            admin().body(Map.of("publicKey", NODE.publicKeyBase64())).put("/admin/nodes/" + NODE_ID + "/audit-key").then().statusCode(201);
            registered = true;
        }
    }

    private static byte[] signed(NodeKeys keys, String nodeId, String requestId, Instant time, String apiId) {
        AuditRecord record = new AuditRecord(requestId, time, nodeId, "consumer-1", "app-1", apiId, null, "POST", "/orders",
                201, null, 900, 12, 34, "10.1.2.3", AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
        return SignedAuditRecord.of(record, keys.sign(record.canonical())).encode();
    }

    /** A fresh month of records (each test its own month far apart, so chains do not mix). */
    private List<byte[]> month(String prefix, Instant start, int count, String apiId) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(signed(NODE, NODE_ID, prefix + "-" + i, start.plusSeconds(i), apiId));
        }
        return out;
    }

    @Test
    void recordsAreStoredOnceInMonthlyPartitionsAndTheStoreVerifies() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<byte[]> batch = new ArrayList<>(month(run + "-oct", Instant.parse("2031-10-31T23:59:00Z"), 5, "orders"));
        batch.addAll(month(run + "-nov", Instant.parse("2031-11-01T00:00:00Z"), 7, "orders"));
        assertThat(store.ingest(batch)).isEqualTo(new AuditStore.Outcome(12, 0, 0));
        // Kafka redelivers (a crash before the offset commit): nothing is stored twice.
        assertThat(store.ingest(batch.subList(3, 9))).isEqualTo(new AuditStore.Outcome(0, 6, 0));

        try (Connection c = jdbc(); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("select count(*), count(distinct request_id) from audit_records where request_id like '" + run + "%'");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(12);
            assertThat(rs.getLong(2)).isEqualTo(12);
            rs = st.executeQuery("select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                    + " where c.relname in ('audit_records_2031_10', 'audit_records_2031_11')");
            rs.next();
            assertThat(rs.getLong(1)).as("a partition per month").isEqualTo(2);
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        assertThat(AuditCli.run(new String[] {"verify", url + "?user=postgres&password=postgres"})).isZero();
    }

    @Test
    void recordsWithAnUnknownOrWrongKeyAreRejectedCountedAndKeptAside() throws Exception {
        long rejectedBefore = store.rejected();
        NodeKeys impostor = NodeKeys.generate();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant time = Instant.parse("2031-09-01T00:00:00Z");
        List<byte[]> batch = List.of(
                signed(impostor, NODE_ID, run + "-forged", time, "orders"),        // the node's name, another key
                signed(impostor, "node-nobody-knows", run + "-unknown", time, "orders"),
                new byte[] {0, 0, 0, 9, 1, 2},                                     // not a record at all
                signed(NODE, NODE_ID, run + "-genuine", time, "orders"));
        assertThat(store.ingest(batch)).isEqualTo(new AuditStore.Outcome(1, 0, 3));
        assertThat(store.rejected() - rejectedBefore).isEqualTo(3);
        admin().get("/admin/audit/ingest").then().statusCode(200);
        try (Connection c = jdbc(); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("select reason from audit_quarantine where request_id in ('" + run + "-forged', '" + run + "-unknown') order by request_id");
            rs.next();
            assertThat(rs.getString(1)).contains("signature does not verify");
            rs.next();
            assertThat(rs.getString(1)).contains("no audit key registered");
            rs = st.executeQuery("select count(*) from audit_records where request_id like '" + run + "%'");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
    }

    private static AuditRecord recordOf(String nodeId, String requestId, Instant time, int status) {
        return new AuditRecord(requestId, time, nodeId, "consumer-1", "app-1", "orders", null, "POST", "/orders",
                status, null, 900, 12, 34, "10.1.2.3", AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
    }

    /** {@code count} records of the node signed as one batch, as its spool writer signs them. */
    private static List<SignedAuditRecord> batch(NodeKeys keys, String prefix, Instant start, int count) {
        List<AuditRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(recordOf(NODE_ID, prefix + "-" + i, start.plusSeconds(i), 201));
        }
        return new BatchSigner(keys).sign(NODE_ID, records);
    }

    private static List<byte[]> encoded(List<SignedAuditRecord> records) {
        return records.stream().map(SignedAuditRecord::encode).toList();
    }

    private static String quarantineReason(String requestId) throws Exception {
        try (Connection c = jdbc(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select reason from audit_quarantine where request_id = '" + requestId + "' order by id desc")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aBatchOfRecordsIsVerifiedWithOneSignatureCheckAndForgeriesAreKeptAside() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant start = Instant.parse("2031-01-10T00:00:00Z");
        List<SignedAuditRecord> first = batch(NODE, run + "-a", start, 200);
        long checks = store.signatureChecks();
        assertThat(store.ingest(encoded(first))).isEqualTo(new AuditStore.Outcome(200, 0, 0));
        assertThat(store.signatureChecks() - checks).as("Ed25519 checks for a batch of 200").isEqualTo(1);

        List<SignedAuditRecord> second = batch(NODE, run + "-b", start.plusSeconds(1_000), 10);
        // The second batch's root is verified and remembered through its last records first.
        assertThat(store.ingest(encoded(second.subList(6, 10)))).isEqualTo(new AuditStore.Outcome(4, 0, 0));
        SignedAuditRecord b0 = second.get(0);
        AuditRecord changed = recordOf(NODE_ID, b0.record().requestId(), b0.record().time(), 500);
        SignedAuditRecord altered = new SignedAuditRecord(changed, changed.canonical(), b0.signature(), b0.proof());
        SignedAuditRecord b1 = second.get(1);
        SignedAuditRecord wrongIndex = new SignedAuditRecord(b1.record(), b1.canonical(), b1.signature(),
                new BatchProof(b1.proof().batchId(), 2, 10, b1.proof().path()));
        SignedAuditRecord b2 = second.get(2);
        SignedAuditRecord pathOfAnotherBatch = new SignedAuditRecord(b2.record(), b2.canonical(), first.get(2).signature(), first.get(2).proof());
        SignedAuditRecord b3 = second.get(3);
        NodeKeys impostor = NodeKeys.generate();
        byte[] forgedSignature = impostor.sign(b3.signedBytes());
        SignedAuditRecord forgedRoot = new SignedAuditRecord(b3.record(), b3.canonical(), forgedSignature, b3.proof());
        SignedAuditRecord b4 = second.get(4);
        SignedAuditRecord rootOfAnImpostorsBatch = new BatchSigner(impostor).sign(NODE_ID, List.of(b4.record())).get(0);

        long rejected = store.rejected();
        checks = store.signatureChecks();
        assertThat(store.ingest(encoded(List.of(altered, wrongIndex, pathOfAnotherBatch, forgedRoot, rootOfAnImpostorsBatch))))
                .isEqualTo(new AuditStore.Outcome(0, 0, 5));
        assertThat(store.rejected() - rejected).isEqualTo(5);
        assertThat(store.signatureChecks() - checks).as("a remembered root never stands in for a path or signature that differs").isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(quarantineReason(run + "-b-" + i)).as("record b-%d", i).contains("signature does not verify", "node " + NODE_ID);
        }
        // The genuine records of the batch are still taken, without another signature check.
        checks = store.signatureChecks();
        assertThat(store.ingest(encoded(second.subList(0, 6)))).isEqualTo(new AuditStore.Outcome(6, 0, 0));
        assertThat(store.signatureChecks() - checks).isZero();
        try (Connection c = jdbc(); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("select count(*), count(distinct batch_id), min(leaf_count), max(leaf_count) from audit_records"
                    + " where request_id like '" + run + "%'");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(210);
            assertThat(rs.getLong(2)).isEqualTo(2);
            assertThat(rs.getInt(3)).isEqualTo(10);
            assertThat(rs.getInt(4)).isEqualTo(200);
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
    }

    @Test
    void aBatchSignedRowWithAnotherIndexPathOrSignatureInTheStoreIsFound() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant start = Instant.parse("2031-02-10T00:00:00Z");
        store.ingest(encoded(batch(NODE, run + "-a", start, 6)));
        store.ingest(encoded(batch(NODE, run + "-b", start.plusSeconds(60), 6)));
        String p = "partition_month = '2031-02'";
        assertThat(tampered("update audit_records set leaf_index = 3 where " + p + " and seq = 3"))
                .satisfies(b -> assertThat(b).contains("partition 2031-02 row 3", "signature does not verify"));
        assertThat(tampered("update audit_records set merkle_path = (select merkle_path from audit_records where " + p
                + " and seq = 9), batch_id = (select batch_id from audit_records where " + p + " and seq = 9),"
                + " signature = (select signature from audit_records where " + p + " and seq = 9) where " + p + " and seq = 3"))
                .satisfies(b -> assertThat(b).contains("partition 2031-02 row 3", "signature does not verify"));
        assertThat(tampered("update audit_records set signature = (select signature from audit_records where " + p
                + " and seq = 9) where " + p + " and seq <= 6"))
                .satisfies(b -> assertThat(b).contains("partition 2031-02 row 1", "signature does not verify"));
        assertThat(tampered("update audit_records set leaf_count = 7 where " + p + " and seq = 5"))
                .satisfies(b -> assertThat(b).contains("partition 2031-02 row 5"));
        try (Connection c = jdbc()) {
            assertThat(StoreVerifier.verify(c).ok()).isTrue();
        }
    }

    @Test
    void tamperingWithTheStoreIsFoundAndTheRowNamed() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        store.ingest(month(run, Instant.parse("2031-06-10T00:00:00Z"), 6, "orders"));
        String p = "partition_month = '2031-06'";
        // Each tampering runs in a transaction that verify rolls back, so the next one starts from a clean store.
        assertThat(tampered("update audit_records set status = 200 where " + p + " and seq = 3"))
                .satisfies(b -> assertThat(b).contains("partition 2031-06 row 3", "signature"));
        assertThat(tampered("delete from audit_records where " + p + " and seq = 4"))
                .satisfies(b -> assertThat(b).contains("partition 2031-06 row 5", "records 4..4", "missing"));
        assertThat(tampered("update audit_records set seq = case seq when 2 then 3 else 2 end where " + p + " and seq in (2, 3)"))
                .satisfies(b -> assertThat(b).contains("partition 2031-06 row 2", "does not follow record 1"));
        assertThat(tampered("update audit_records set seq = seq + 1 where " + p + " and seq >= 3;"
                + " insert into audit_records (partition_month, seq, request_id, at, node_id, consumer_id, application_id, api_id,"
                + " operation, method, path, status, error_code, latency_micros, bytes_in, bytes_out, client_address,"
                + " request_sha256, response_sha256, signature, prev_hash, chain_hash)"
                + " select partition_month, 3, request_id || '-extra', at, node_id, consumer_id, application_id, api_id,"
                + " operation, method, path, status, error_code, latency_micros, bytes_in, bytes_out, client_address,"
                + " request_sha256, response_sha256, signature, prev_hash, chain_hash from audit_records where " + p + " and seq = 2"))
                .satisfies(b -> assertThat(b).contains("partition 2031-06 row 3"));
        assertThat(tampered("delete from audit_records where " + p + " and seq = 6"))
                .satisfies(b -> assertThat(b).contains("partition 2031-06", "rows were removed from its end"));
        try (Connection c = jdbc()) {
            assertThat(StoreVerifier.verify(c).ok()).isTrue();
        }
    }

    private static String tampered(String sql) throws Exception {
        try (Connection c = jdbc()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
            Verification result = StoreVerifier.verify(c);
            assertThat(result.ok()).as(sql).isFalse();
            System.out.println("tampered: " + result.describe());
            return result.describe();
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The month's rows as "seq request prev chain", in chain order. */
    private static List<String> chainOf(String partition) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select seq, request_id, prev_hash, chain_hash from audit_records where partition_month = '" + partition + "' order by seq")) {
            while (rs.next()) {
                rows.add(rs.getLong(1) + " " + rs.getString(2) + " " + Hex.encode(rs.getBytes(3)) + " " + Hex.encode(rs.getBytes(4)));
            }
        }
        return rows;
    }

    private static String headOf(String partition) throws Exception {
        try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select seq, head_hash from audit_chain_heads where partition_month = '" + partition + "'")) {
            return rs.next() ? rs.getLong(1) + " " + Hex.encode(rs.getBytes(2)) : null;
        }
    }

    @Test
    void aRequestRepeatedWithinABatchAndAcrossBatchesIsStoredOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant start = Instant.parse("2033-01-10T00:00:00Z");
        List<byte[]> first = month(run, start, 10, "orders");
        List<byte[]> batch = new ArrayList<>(first);
        batch.add(4, first.get(3));     // redelivered right after itself
        batch.add(first.get(5));        // and again at the end of the batch
        // The same request id with another time, of a month nothing else is in: a duplicate, and no month made for it.
        batch.add(signed(NODE, NODE_ID, run + "-2", Instant.parse("2033-03-03T00:00:00Z"), "orders"));
        assertThat(store.ingest(batch)).isEqualTo(new AuditStore.Outcome(10, 3, 0));

        List<byte[]> second = new ArrayList<>(first.subList(0, 5));
        byte[] late = signed(NODE, NODE_ID, run + "-10", start.plusSeconds(10), "orders");
        second.add(late);
        second.add(late);
        second.add(signed(NODE, NODE_ID, run + "-7", Instant.parse("2033-03-04T00:00:00Z"), "orders"));   // alone in its batch and month this time
        assertThat(store.ingest(second)).isEqualTo(new AuditStore.Outcome(1, 7, 0));

        assertThat(count("select count(*) from audit_records where request_id like '" + run + "-%'")).isEqualTo(11);
        assertThat(count("select count(distinct request_id) from audit_records where request_id like '" + run + "-%'")).isEqualTo(11);
        assertThat(count("select count(*) from audit_request_ids where request_id like '" + run + "-%'")).isEqualTo(11);
        assertThat(chainOf("2033-01")).extracting(row -> row.split(" ")[0] + " " + row.split(" ")[1])
                .as("each request once, in arrival order")
                .containsExactly("1 " + run + "-0", "2 " + run + "-1", "3 " + run + "-2", "4 " + run + "-3", "5 " + run + "-4",
                        "6 " + run + "-5", "7 " + run + "-6", "8 " + run + "-7", "9 " + run + "-8", "10 " + run + "-9", "11 " + run + "-10");
        assertThat(headOf("2033-03")).as("a month only duplicates named gets no chain").isNull();
        assertThat(count("select count(*) from pg_class where relname = 'audit_records_2033_03'")).isZero();
        try (Connection c = jdbc()) {
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
    }

    @Test
    void aBatchOfTwoMonthsChainsEachMonthInArrivalOrderAsRecordByRecordWould() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        // Two nodes' traffic interleaved: batch-signed records of May and June, and single-signed ones of May.
        List<SignedAuditRecord> may = batch(NODE, run + "-may", Instant.parse("2033-05-31T23:59:00Z"), 30);
        List<SignedAuditRecord> june = batch(NODE, run + "-jun", Instant.parse("2033-06-01T00:00:00Z"), 20);
        List<SignedAuditRecord> arrival = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            arrival.add(may.get(i));
            if (i < 20) {
                arrival.add(june.get(19 - i));   // June's batch arrives last leaf first
            }
            if (i % 10 == 0) {
                AuditRecord single = recordOf(NODE_ID, run + "-single-" + i, Instant.parse("2033-05-15T00:00:00Z").plusSeconds(i), 200);
                arrival.add(SignedAuditRecord.of(single, NODE.sign(single.canonical())));
            }
        }
        // Stored as two polls, the second chained onto the heads the first left.
        assertThat(store.ingest(encoded(arrival.subList(0, 21)))).isEqualTo(new AuditStore.Outcome(21, 0, 0));
        assertThat(store.ingest(encoded(arrival.subList(21, arrival.size())))).isEqualTo(new AuditStore.Outcome(arrival.size() - 21, 0, 0));

        for (String month : List.of("2033-05", "2033-06")) {
            List<String> expected = new ArrayList<>();
            byte[] previous = new byte[32];
            long seq = 0;
            for (SignedAuditRecord record : arrival) {
                if (!java.time.YearMonth.from(record.record().time().atOffset(java.time.ZoneOffset.UTC)).toString().equals(month)) {
                    continue;
                }
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                sha.update(previous);
                sha.update(record.record().canonical());
                byte[] hash = sha.digest();
                expected.add(++seq + " " + record.record().requestId() + " " + Hex.encode(previous) + " " + Hex.encode(hash));
                previous = hash;
            }
            assertThat(expected).hasSize(month.equals("2033-05") ? 33 : 20);
            assertThat(chainOf(month)).as("month %s", month).containsExactlyElementsOf(expected);
            assertThat(headOf(month)).isEqualTo(seq + " " + Hex.encode(previous));
        }
        try (Connection c = jdbc()) {
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
    }

    @Test
    void oneForgedRecordInABatchIsKeptAsideAndTheRestOfTheBatchIsStored() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<SignedAuditRecord> records = new ArrayList<>(batch(NODE, run, Instant.parse("2033-02-10T00:00:00Z"), 20));
        SignedAuditRecord genuine = records.get(7);
        AuditRecord changed = recordOf(NODE_ID, genuine.record().requestId(), genuine.record().time(), 503);
        records.set(7, new SignedAuditRecord(changed, changed.canonical(), genuine.signature(), genuine.proof()));
        long rejected = store.rejected();
        assertThat(store.ingest(encoded(records))).isEqualTo(new AuditStore.Outcome(19, 0, 1));
        assertThat(store.rejected() - rejected).isEqualTo(1);
        assertThat(quarantineReason(run + "-7")).contains("signature does not verify", "node " + NODE_ID);
        assertThat(count("select count(*) from audit_quarantine where request_id like '" + run + "-%'")).isEqualTo(1);
        List<String> chain = chainOf("2033-02");
        assertThat(chain).hasSize(19).noneMatch(row -> row.split(" ")[1].equals(run + "-7"));
        assertThat(chain.get(7)).as("the next record takes the refused one's place in the chain").startsWith("8 " + run + "-8 ");
        // The genuine record, redelivered, joins the chain after the rest.
        assertThat(store.ingest(encoded(List.of(genuine)))).isEqualTo(new AuditStore.Outcome(1, 0, 0));
        assertThat(chainOf("2033-02").get(19)).startsWith("20 " + run + "-7 ");
        try (Connection c = jdbc()) {
            Verification clean = StoreVerifier.verify(c);
            assertThat(clean.ok()).as(clean.describe()).isTrue();
        }
    }

    @Test
    void anExportOfARangeVerifiesAndFailsOnceAByteChanges(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        store.ingest(month(run + "-a", Instant.parse("2031-03-05T00:00:00Z"), 8, "orders"));
        store.ingest(month(run + "-b", Instant.parse("2031-03-05T00:00:00.5Z"), 4, "billing"));
        Map<String, Object> created = admin().body(Map.of("from", "2031-03-01T00:00:00Z", "to", "2031-04-01T00:00:00Z", "apiId", "orders"))
                .post("/admin/audit/exports").then().statusCode(201).extract().jsonPath().getMap("");
        String id = (String) created.get("id");
        Path file = dir.resolve("export.jsonl");
        Path manifest = dir.resolve("manifest.json");
        Files.write(file, admin().get("/admin/audit/exports/" + id).then().statusCode(200).extract().asByteArray());
        Files.write(manifest, admin().get("/admin/audit/exports/" + id + "/manifest").then().statusCode(200).extract().asByteArray());
        assertThat(Files.readAllLines(file)).hasSize(8).allSatisfy(line -> assertThat(line).contains("\"apiId\":\"orders\""));
        Verification clean = ExportVerifier.verify(file, manifest);
        assertThat(clean.ok()).as(clean.describe()).isTrue();
        assertThat(clean.verified()).isEqualTo(8);

        byte[] bytes = Files.readAllBytes(file);
        int at = new String(bytes).indexOf("\"status\":201") + 11;
        bytes[at] = '2';
        Files.write(file, bytes);
        assertThat(ExportVerifier.verify(file, manifest).ok()).isFalse();

        admin().body(Map.of("from", "2031-03-02T00:00:00Z", "to", "2031-03-01T00:00:00Z")).post("/admin/audit/exports")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("invalid_export"));
        admin().body(Map.of("publicKey", "bm90IGEga2V5")).put("/admin/nodes/x/audit-key")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("invalid_public_key"));
        admin().body(Map.of("publicKey", NodeKeys.generate().publicKeyBase64())).put("/admin/nodes/" + NODE_ID + "/audit-key")
                .then().statusCode(409).body("code", org.hamcrest.Matchers.equalTo("audit_key_registered"));
    }
}
