package io.gatehouse.management.audit;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.Hex;
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
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores audit records as they come off Kafka: each checked against its node's registered key (a batch-signed
 * record by its Merkle path up to a batch root whose signature is checked once per batch; a record that fails
 * goes to the quarantine table, counted, never into the chain), stored once by request id, and chained to the
 * previous record of its monthly partition. A batch is one transaction and a handful of statements per month,
 * not per record; each month's head row is locked from its read to the commit, so two writers never fork a chain.
 * Blocking JDBC: called from the ingest thread only.
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
        Outcome outcome;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                outcome = store(connection, messages);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                // A partition made in this batch was rolled back with it: forget what this batch taught the cache.
                partitions.clear();
                throw e;
            }
        }
        stored.addAndGet(outcome.stored());
        duplicates.addAndGet(outcome.duplicates());
        rejected.addAndGet(outcome.rejected());
        expired.addAndGet(outcome.expired());
        return outcome;
    }

    /** A record that passed its checks, with the month whose chain it joins. */
    private record Checked(SignedAuditRecord signed, String partition) {
        String requestId() {
            return signed.record().requestId();
        }
    }

    /** A refused record on its way to the quarantine table. */
    private record Refused(String nodeId, String requestId, String reason, byte[] payload) {
    }

    /** A month's chain head while the batch is chained onto it; locked from its read to the commit. */
    private static final class Head {
        long seq;
        byte[] hash;

        Head(long seq, byte[] hash) {
            this.seq = seq;
            this.hash = hash;
        }
    }

    /**
     * One polled batch in a fixed number of statements per month, whatever its size: the records are checked in
     * arrival order (CPU only), refused ones kept aside in one insert, the request ids claimed in one insert that
     * answers which were new, each month's head locked once, the chain computed here in arrival order, the rows
     * inserted in one statement and the heads advanced in one. The rows and heads are the ones record-by-record
     * storing would write: the same seq, prev_hash and chain_hash for every record.
     */
    private Outcome store(Connection connection, List<byte[]> messages) throws SQLException {
        List<Checked> checked = check(connection, messages);
        int rejectedNow = messages.size() - checked.size();

        // A month retention has dropped takes no record: it would start a second chain. Months are looked at in one
        // order, so two control planes taking month locks for the same batch months never wait on each other in a cycle.
        Set<String> retiredNow = new HashSet<>();
        for (String partition : new TreeSet<>(checked.stream().map(Checked::partition).toList())) {
            if (isRetired(connection, partition)) {
                retiredNow.add(partition);
            }
        }
        int expiredNow = 0;
        Map<String, Checked> firstOfEachRequest = new LinkedHashMap<>();
        for (Checked record : checked) {
            if (retiredNow.contains(record.partition())) {
                LOG.debugf("audit record %s of retired partition %s not stored", record.requestId(), record.partition());
                expiredNow++;
            } else {
                // A request id met again later in the same batch is a duplicate, as it would be in a later batch.
                firstOfEachRequest.putIfAbsent(record.requestId(), record);
            }
        }
        int live = checked.size() - expiredNow;
        Set<String> claimed = claim(connection, firstOfEachRequest.values());
        List<Checked> fresh = new ArrayList<>(claimed.size());
        for (Checked record : firstOfEachRequest.values()) {
            if (claimed.contains(record.requestId())) {
                fresh.add(record);
            }
        }
        int duplicatesNow = live - fresh.size();

        // Lock order as retention's: a month's advisory lock (taken in isRetired) before its head's row lock.
        TreeSet<String> months = new TreeSet<>(fresh.stream().map(Checked::partition).toList());
        for (String partition : months) {
            ensurePartition(connection, partition);
        }
        Map<String, Head> heads = lockHeads(connection, months);
        List<String> lateIds = new ArrayList<>();
        List<Checked> chained = new ArrayList<>(fresh.size());
        for (Checked record : fresh) {
            if (heads.containsKey(record.partition())) {
                chained.add(record);
            } else {
                lateIds.add(record.requestId());
            }
        }
        if (!lateIds.isEmpty()) {
            // Retention dropped the partition while these records waited for its head: they are late records.
            unclaim(connection, lateIds);
            for (String partition : months) {
                if (!heads.containsKey(partition)) {
                    forget(partition);
                }
            }
            expiredNow += lateIds.size();
        }
        if (!chained.isEmpty()) {
            insert(connection, chained, heads);
            advance(connection, heads);
        }
        return new Outcome(chained.size(), duplicatesNow, rejectedNow, expiredNow);
    }

    /**
     * Every message read and verified with its node's registered key, in arrival order (a batch root, once verified,
     * vouches for the batch's later records). Keys not yet known are read in one query; refused records go to the
     * quarantine table in one insert.
     */
    private List<Checked> check(Connection connection, List<byte[]> messages) throws SQLException {
        SignedAuditRecord[] decoded = new SignedAuditRecord[messages.size()];
        String[] unreadable = new String[messages.size()];
        Set<String> unknownNodes = new HashSet<>();
        for (int i = 0; i < decoded.length; i++) {
            try {
                decoded[i] = SignedAuditRecord.decode(messages.get(i));
                if (!keys.containsKey(decoded[i].record().nodeId())) {
                    unknownNodes.add(decoded[i].record().nodeId());
                }
            } catch (MalformedAuditRecordException e) {
                unreadable[i] = e.getMessage();
            }
        }
        loadKeys(connection, unknownNodes);
        List<Checked> checked = new ArrayList<>(decoded.length);
        List<Refused> refused = new ArrayList<>();
        for (int i = 0; i < decoded.length; i++) {
            SignedAuditRecord signed = decoded[i];
            if (signed == null) {
                refused.add(new Refused(null, null, "unreadable: " + unreadable[i], messages.get(i)));
                continue;
            }
            AuditRecord record = signed.record();
            PublicKey key = keys.get(record.nodeId());
            if (key == null) {
                refused.add(new Refused(record.nodeId(), record.requestId(), "no audit key registered for node " + record.nodeId(),
                        messages.get(i)));
                continue;
            }
            String problem = seals.problem(key, record.nodeId(), signed.canonical(), signed.signature(), signed.proof());
            if (problem != null) {
                refused.add(new Refused(record.nodeId(), record.requestId(), problem + " with node " + record.nodeId() + "'s key",
                        messages.get(i)));
                continue;
            }
            checked.add(new Checked(signed, StoredRecord.partitionOf(record.time())));
        }
        quarantine(connection, refused);
        return checked;
    }

    /** Claims the request ids in one statement; answers those that were not stored before. */
    private static Set<String> claim(Connection connection, java.util.Collection<Checked> records) throws SQLException {
        Set<String> claimed = new HashSet<>();
        if (records.isEmpty()) {
            return claimed;
        }
        String[] ids = new String[records.size()];
        String[] months = new String[records.size()];
        int i = 0;
        for (Checked record : records) {
            ids[i] = record.requestId();
            months[i++] = record.partition();
        }
        try (PreparedStatement st = connection.prepareStatement("insert into audit_request_ids (request_id, partition_month)"
                + " select * from unnest(?::text[], ?::text[]) on conflict do nothing returning request_id")) {
            st.setArray(1, connection.createArrayOf("text", ids));
            st.setArray(2, connection.createArrayOf("text", months));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getString(1));
                }
            }
        }
        return claimed;
    }

    /** The months' heads, row-locked in month order (as every writer locks them); a month missing was retired. */
    private static Map<String, Head> lockHeads(Connection connection, Set<String> months) throws SQLException {
        Map<String, Head> heads = new HashMap<>();
        if (months.isEmpty()) {
            return heads;
        }
        try (PreparedStatement st = connection.prepareStatement("select partition_month, seq, head_hash from audit_chain_heads"
                + " where partition_month = any(?) order by partition_month for update")) {
            st.setArray(1, connection.createArrayOf("text", months.toArray(String[]::new)));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString(1), new Head(rs.getLong(2), rs.getBytes(3)));
                }
            }
        }
        return heads;
    }

    private static final String[] RECORD_COLUMNS = {"partition_month", "seq", "request_id", "at", "node_id", "consumer_id",
            "application_id", "api_id", "operation", "method", "path", "status", "error_code", "latency_micros", "bytes_in",
            "bytes_out", "client_address", "request_sha256", "response_sha256", "signature", "prev_hash", "chain_hash", "batch_id",
            "leaf_index", "leaf_count", "merkle_path"};
    /**
     * One statement for the whole batch: each column travels as one text array (null elements for null fields, bytes
     * as hex) and is cast back to its type here.
     */
    private static final String INSERT_RECORDS = "insert into audit_records (" + String.join(", ", RECORD_COLUMNS) + ")"
            + " select partition_month, seq::bigint, request_id, at::timestamptz, node_id, consumer_id, application_id, api_id,"
            + " operation, method, path, status::integer, error_code, latency_micros::bigint, bytes_in::bigint, bytes_out::bigint,"
            + " client_address, request_sha256, response_sha256, decode(signature, 'hex'), decode(prev_hash, 'hex'),"
            + " decode(chain_hash, 'hex'), batch_id::bigint, leaf_index::integer, leaf_count::integer, decode(merkle_path, 'hex')"
            + " from unnest(" + String.join(", ", java.util.Collections.nCopies(RECORD_COLUMNS.length, "?::text[]")) + ")"
            + " as r(" + String.join(", ", RECORD_COLUMNS) + ")";

    /** Chains the records onto their months' heads in arrival order and inserts them; the heads end at the last. */
    private static void insert(Connection connection, List<Checked> records, Map<String, Head> heads) throws SQLException {
        String[][] columns = new String[RECORD_COLUMNS.length][records.size()];
        for (int n = 0; n < records.size(); n++) {
            SignedAuditRecord signed = records.get(n).signed();
            AuditRecord record = signed.record();
            Head head = heads.get(records.get(n).partition());
            byte[] previous = head.hash;
            byte[] hash = HashChain.next(previous, signed.canonical());
            head.seq++;
            head.hash = hash;
            BatchProof proof = signed.proof();
            String[] row = {records.get(n).partition(), Long.toString(head.seq), record.requestId(), record.time().toString(),
                    record.nodeId(), record.consumerId(), record.applicationId(), record.apiId(), record.operation(), record.method(),
                    record.path(), Integer.toString(record.status()), record.errorCode(), Long.toString(record.latencyMicros()),
                    Long.toString(record.bytesIn()), Long.toString(record.bytesOut()), record.clientAddress(),
                    record.requestBodySha256(), record.responseBodySha256(), Hex.encode(signed.signature()), Hex.encode(previous),
                    Hex.encode(hash), proof == null ? null : Long.toString(proof.batchId()),
                    proof == null ? null : Integer.toString(proof.leafIndex()), proof == null ? null : Integer.toString(proof.leafCount()),
                    proof == null ? null : Hex.encode(proof.path())};
            for (int c = 0; c < row.length; c++) {
                columns[c][n] = row[c];
            }
        }
        try (PreparedStatement st = connection.prepareStatement(INSERT_RECORDS)) {
            for (int c = 0; c < columns.length; c++) {
                st.setArray(c + 1, connection.createArrayOf("text", columns[c]));
            }
            int inserted = st.executeUpdate();
            if (inserted != records.size()) {
                throw new SQLException("audit batch inserted " + inserted + " rows of " + records.size());
            }
        }
    }

    /** Every locked head moved to its month's last record of the batch, in one statement. */
    private static void advance(Connection connection, Map<String, Head> heads) throws SQLException {
        String[] months = heads.keySet().toArray(String[]::new);
        String[] seqs = new String[months.length];
        String[] hashes = new String[months.length];
        for (int i = 0; i < months.length; i++) {
            seqs[i] = Long.toString(heads.get(months[i]).seq);
            hashes[i] = Hex.encode(heads.get(months[i]).hash);
        }
        try (PreparedStatement st = connection.prepareStatement("update audit_chain_heads h set seq = v.seq::bigint,"
                + " head_hash = decode(v.hash, 'hex'), updated_at = now() from unnest(?::text[], ?::text[], ?::text[])"
                + " as v(partition_month, seq, hash) where h.partition_month = v.partition_month")) {
            st.setArray(1, connection.createArrayOf("text", months));
            st.setArray(2, connection.createArrayOf("text", seqs));
            st.setArray(3, connection.createArrayOf("text", hashes));
            st.executeUpdate();
        }
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

    private static void unclaim(Connection connection, List<String> requestIds) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("delete from audit_request_ids where request_id = any(?)")) {
            st.setArray(1, connection.createArrayOf("text", requestIds.toArray(String[]::new)));
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

    /** Reads the registered keys of these nodes into the cache in one query; a node without one stays unknown. */
    private void loadKeys(Connection connection, Set<String> nodeIds) throws SQLException {
        if (nodeIds.isEmpty()) {
            return;
        }
        try (PreparedStatement st = connection.prepareStatement("select node_id, public_key from audit_node_keys where node_id = any(?)")) {
            st.setArray(1, connection.createArrayOf("text", nodeIds.toArray(String[]::new)));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    keys.put(rs.getString(1), SignatureCheck.publicKey(rs.getString(2)));
                }
            }
        }
    }

    /** Refused records, in arrival order, in one insert. */
    private static void quarantine(Connection connection, List<Refused> refused) throws SQLException {
        if (refused.isEmpty()) {
            return;
        }
        String[] nodes = new String[refused.size()];
        String[] requests = new String[refused.size()];
        String[] reasons = new String[refused.size()];
        String[] payloads = new String[refused.size()];
        for (int i = 0; i < nodes.length; i++) {
            Refused r = refused.get(i);
            LOG.warnf("audit record refused (node %s, request %s): %s", r.nodeId(), r.requestId(), r.reason());
            nodes[i] = r.nodeId();
            requests[i] = r.requestId();
            reasons[i] = r.reason();
            payloads[i] = Hex.encode(r.payload());
        }
        try (PreparedStatement st = connection.prepareStatement("insert into audit_quarantine (node_id, request_id, reason, payload)"
                + " select node_id, request_id, reason, decode(payload, 'hex')"
                + " from unnest(?::text[], ?::text[], ?::text[], ?::text[]) with ordinality as q(node_id, request_id, reason, payload, n)"
                + " order by n")) {
            st.setArray(1, connection.createArrayOf("text", nodes));
            st.setArray(2, connection.createArrayOf("text", requests));
            st.setArray(3, connection.createArrayOf("text", reasons));
            st.setArray(4, connection.createArrayOf("text", payloads));
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
