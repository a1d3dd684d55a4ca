package io.gatehouse.management.audit;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.MalformedAuditRecordException;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores audit records as they come off Kafka: each checked against its node's registered key (a batch-signed
 * record by its Merkle path up to a batch root whose signature is checked once per batch; a record that fails
 * goes to the quarantine table, counted, never into the chain), stored once by request id, and chained to the
 * previous record of its monthly partition. A batch is one transaction; the partition's head row is locked while a
 * record is chained to it, so two writers never fork a chain. Blocking JDBC: called from the ingest thread only.
 */
@ApplicationScoped
public class AuditStore {
    private static final Logger LOG = Logger.getLogger(AuditStore.class);

    /**
     * What a batch came to.
     *
     * @param expired records of a month whose partition retention has already dropped (late redeliveries): not
     *                stored, since storing them would start a second chain for a retired month
     */
    public record Outcome(int stored, int duplicates, int rejected, int expired) {
        public Outcome(int stored, int duplicates, int rejected) {
            this(stored, duplicates, rejected, 0);
        }
    }

    @Inject
    AgroalDataSource dataSource;

    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();
    /** Remembers verified batch roots: a batch's signature is checked once, its other records by their paths. */
    private final SealCheck seals = new SealCheck();
    private final Set<String> partitions = ConcurrentHashMap.newKeySet();
    private final Set<String> retired = ConcurrentHashMap.newKeySet();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();

    public Outcome ingest(List<byte[]> messages) throws SQLException {
        int storedNow = 0;
        int duplicatesNow = 0;
        int rejectedNow = 0;
        int expiredNow = 0;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                for (byte[] message : messages) {
                    switch (ingestOne(connection, message)) {
                        case STORED -> storedNow++;
                        case DUPLICATE -> duplicatesNow++;
                        case REJECTED -> rejectedNow++;
                        case EXPIRED -> expiredNow++;
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                // A partition made in this batch was rolled back with it: forget what this batch taught the cache.
                partitions.clear();
                throw e;
            }
        }
        stored.addAndGet(storedNow);
        duplicates.addAndGet(duplicatesNow);
        rejected.addAndGet(rejectedNow);
        expired.addAndGet(expiredNow);
        return new Outcome(storedNow, duplicatesNow, rejectedNow, expiredNow);
    }

    private enum Result { STORED, DUPLICATE, REJECTED, EXPIRED }

    private Result ingestOne(Connection connection, byte[] message) throws SQLException {
        SignedAuditRecord signed;
        try {
            signed = SignedAuditRecord.decode(message);
        } catch (MalformedAuditRecordException e) {
            quarantine(connection, null, null, "unreadable: " + e.getMessage(), message);
            return Result.REJECTED;
        }
        AuditRecord record = signed.record();
        PublicKey key = key(connection, record.nodeId());
        if (key == null) {
            quarantine(connection, record.nodeId(), record.requestId(), "no audit key registered for node " + record.nodeId(), message);
            return Result.REJECTED;
        }
        String problem = seals.problem(key, record.nodeId(), signed.canonical(), signed.signature(), signed.proof());
        if (problem != null) {
            quarantine(connection, record.nodeId(), record.requestId(), problem + " with node " + record.nodeId() + "'s key", message);
            return Result.REJECTED;
        }
        String partition = StoredRecord.partitionOf(record.time());
        if (isRetired(connection, partition)) {
            LOG.debugf("audit record %s of retired partition %s not stored", record.requestId(), partition);
            return Result.EXPIRED;
        }
        try (PreparedStatement claim = connection.prepareStatement(
                "insert into audit_request_ids (request_id, partition_month) values (?, ?) on conflict do nothing")) {
            claim.setString(1, record.requestId());
            claim.setString(2, partition);
            if (claim.executeUpdate() == 0) {
                return Result.DUPLICATE;
            }
        }
        ensurePartition(connection, partition);
        long seq;
        byte[] previous;
        try (PreparedStatement head = connection.prepareStatement(
                "select seq, head_hash from audit_chain_heads where partition_month = ? for update")) {
            head.setString(1, partition);
            try (ResultSet rs = head.executeQuery()) {
                if (!rs.next()) {
                    // Retention dropped the partition while this record waited for its head: it is a late record.
                    unclaim(connection, record.requestId());
                    forget(partition);
                    return Result.EXPIRED;
                }
                seq = rs.getLong(1) + 1;
                previous = rs.getBytes(2);
            }
        }
        byte[] hash = HashChain.next(previous, signed.canonical());
        try (PreparedStatement insert = connection.prepareStatement("insert into audit_records (partition_month, seq, request_id, at,"
                + " node_id, consumer_id, application_id, api_id, operation, method, path, status, error_code, latency_micros,"
                + " bytes_in, bytes_out, client_address, request_sha256, response_sha256, signature, prev_hash, chain_hash,"
                + " batch_id, leaf_index, leaf_count, merkle_path)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = 1;
            insert.setString(i++, partition);
            insert.setLong(i++, seq);
            insert.setString(i++, record.requestId());
            insert.setObject(i++, record.time().atOffset(ZoneOffset.UTC));
            insert.setString(i++, record.nodeId());
            insert.setString(i++, record.consumerId());
            insert.setString(i++, record.applicationId());
            insert.setString(i++, record.apiId());
            insert.setString(i++, record.operation());
            insert.setString(i++, record.method());
            insert.setString(i++, record.path());
            insert.setInt(i++, record.status());
            insert.setString(i++, record.errorCode());
            insert.setLong(i++, record.latencyMicros());
            insert.setLong(i++, record.bytesIn());
            insert.setLong(i++, record.bytesOut());
            insert.setString(i++, record.clientAddress());
            insert.setString(i++, record.requestBodySha256());
            insert.setString(i++, record.responseBodySha256());
            insert.setBytes(i++, signed.signature());
            insert.setBytes(i++, previous);
            insert.setBytes(i++, hash);
            BatchProof proof = signed.proof();
            if (proof == null) {
                insert.setNull(i++, Types.BIGINT);
                insert.setNull(i++, Types.INTEGER);
                insert.setNull(i++, Types.INTEGER);
                insert.setNull(i, Types.BINARY);
            } else {
                insert.setLong(i++, proof.batchId());
                insert.setInt(i++, proof.leafIndex());
                insert.setInt(i++, proof.leafCount());
                insert.setBytes(i, proof.path());
            }
            insert.executeUpdate();
        }
        try (PreparedStatement advance = connection.prepareStatement(
                "update audit_chain_heads set seq = ?, head_hash = ?, updated_at = now() where partition_month = ?")) {
            advance.setLong(1, seq);
            advance.setBytes(2, hash);
            advance.setString(3, partition);
            advance.executeUpdate();
        }
        return Result.STORED;
    }

    /**
     * Whether retention has dropped this month; a live partition known to this instance is not asked about. For one
     * it does not know, the month's advisory lock (which retention takes too, before the head's row lock) is held to
     * the end of the batch, so retention cannot drop the month between this answer and the partition being made.
     */
    private boolean isRetired(Connection connection, String partition) throws SQLException {
        if (partitions.contains(partition)) {
            return false;
        }
        if (retired.contains(partition)) {
            return true;
        }
        lockMonth(connection, partition);
        try (PreparedStatement st = connection.prepareStatement("select 1 from audit_retired_partitions where partition_month = ?")) {
            st.setString(1, partition);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    retired.add(partition);
                    return true;
                }
                return false;
            }
        }
    }

    /** The transaction-scoped lock that orders making a month's partition and retiring it. */
    static void lockMonth(Connection connection, String partition) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
            st.setString(1, "gatehouse.audit.partition:" + partition);
            st.execute();
        }
    }

    private static void unclaim(Connection connection, String requestId) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("delete from audit_request_ids where request_id = ?")) {
            st.setString(1, requestId);
            st.executeUpdate();
        }
    }

    /** Retention dropped the partition: later records of its month are expired, never a new chain. */
    void forget(String partition) {
        partitions.remove(partition);
        retired.add(partition);
    }

    /** The month's partition and its chain's start, made when its first record arrives. */
    private void ensurePartition(Connection connection, String partition) throws SQLException {
        if (partitions.contains(partition)) {
            return;
        }
        YearMonth month = YearMonth.parse(partition);
        String table = "audit_records_" + partition.replace('-', '_');
        try (Statement ddl = connection.createStatement()) {
            ddl.execute("create table if not exists " + table + " partition of audit_records for values from ('"
                    + month.atDay(1) + " 00:00:00+00') to ('" + month.plusMonths(1).atDay(1) + " 00:00:00+00')");
        }
        try (PreparedStatement head = connection.prepareStatement(
                "insert into audit_chain_heads (partition_month, seq, head_hash) values (?, 0, ?) on conflict do nothing")) {
            head.setString(1, partition);
            head.setBytes(2, HashChain.GENESIS);
            head.executeUpdate();
        }
        partitions.add(partition);
    }

    private PublicKey key(Connection connection, String nodeId) throws SQLException {
        PublicKey known = keys.get(nodeId);
        if (known != null) {
            return known;
        }
        try (PreparedStatement st = connection.prepareStatement("select public_key from audit_node_keys where node_id = ?")) {
            st.setString(1, nodeId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                PublicKey key = SignatureCheck.publicKey(rs.getString(1));
                keys.put(nodeId, key);
                return key;
            }
        }
    }

    private void quarantine(Connection connection, String nodeId, String requestId, String reason, byte[] payload) throws SQLException {
        LOG.warnf("audit record refused (node %s, request %s): %s", nodeId, requestId, reason);
        try (PreparedStatement st = connection.prepareStatement(
                "insert into audit_quarantine (node_id, request_id, reason, payload) values (?, ?, ?, ?)")) {
            st.setString(1, nodeId);
            st.setString(2, requestId);
            st.setString(3, reason);
            st.setBytes(4, payload);
            st.executeUpdate();
        }
    }

    /**
     * Registers a node's public key. A key once registered is never replaced: the records it signed must stay
     * verifiable, so a node with a new key registers under a new node id.
     *
     * @return false when the node already has this very key
     */
    public boolean registerKey(String nodeId, String publicKeyBase64) throws SQLException {
        PublicKey key = SignatureCheck.publicKey(publicKeyBase64);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement st = connection.prepareStatement(
                    "insert into audit_node_keys (node_id, public_key) values (?, ?) on conflict (node_id) do nothing")) {
                st.setString(1, nodeId);
                st.setString(2, publicKeyBase64.trim());
                if (st.executeUpdate() == 1) {
                    keys.put(nodeId, key);
                    return true;
                }
            }
            try (PreparedStatement st = connection.prepareStatement("select public_key from audit_node_keys where node_id = ?")) {
                st.setString(1, nodeId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (!rs.getString(1).equals(publicKeyBase64.trim())) {
                        throw new KeyConflict();
                    }
                    return false;
                }
            }
        }
    }

    /** The node already has a different key. */
    public static final class KeyConflict extends RuntimeException {
        KeyConflict() {
            super(null, null, false, false);
        }
    }

    public long stored() {
        return stored.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public long expired() {
        return expired.get();
    }

    /** Ed25519 verifications made since start: one per batch (and one per single-signed record). */
    public long signatureChecks() {
        return seals.signatureChecks();
    }

    static OffsetDateTime utc(java.time.Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
