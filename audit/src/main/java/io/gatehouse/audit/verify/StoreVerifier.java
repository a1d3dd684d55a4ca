package io.gatehouse.audit.verify;

import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.Hex;

import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks the live store over JDBC: every partition's chain from its first row to the head recorded in
 * {@code audit_chain_heads}, with the registered node keys. Rows are read through a cursor, never all at once.
 *
 * <p>Partitions retention dropped are listed in {@code audit_retired_partitions} with their head: they are accounted
 * for (a month that vanished without such a row is not), and one that still has rows or a live head is a break. Each
 * partition's chain starts at its own first row, so the months kept verify whatever was dropped before them.
 */
public final class StoreVerifier {
    static final String SELECT = "select partition_month, seq, request_id, at, node_id, consumer_id, application_id, api_id,"
            + " operation, method, path, status, error_code, latency_micros, bytes_in, bytes_out, client_address,"
            + " request_sha256, response_sha256, signature, prev_hash, chain_hash, batch_id, leaf_index, leaf_count, merkle_path"
            + " from audit_records";

    private StoreVerifier() {
    }

    public static Verification verify(Connection connection) throws SQLException {
        Map<String, PublicKey> keys = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement("select node_id, public_key from audit_node_keys");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                try {
                    keys.put(rs.getString(1), SignatureCheck.publicKey(rs.getString(2)));
                } catch (IllegalArgumentException e) {
                    // A node whose key is unusable: its records are reported as unverifiable below.
                }
            }
        }
        TreeMap<String, long[]> heads = new TreeMap<>();
        Map<String, byte[]> headHashes = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement("select partition_month, seq, head_hash from audit_chain_heads");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                heads.put(rs.getString(1), new long[] {rs.getLong(2)});
                headHashes.put(rs.getString(1), rs.getBytes(3));
            }
        }
        Map<String, String> retired = retired(connection);
        for (String partition : retired.keySet()) {
            if (heads.containsKey(partition)) {
                return new Verification(0, Optional.of(new ChainVerifier.Break("partition " + partition, null,
                        "retired by retention (" + retired.get(partition) + ") but it has a live chain head again")), null);
            }
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        ChainVerifier chain = new ChainVerifier(keys, ChainVerifier.Scope.STORE);
        try (PreparedStatement st = connection.prepareStatement(SELECT + " order by partition_month, seq")) {
            st.setFetchSize(1_000);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    StoredRecord row;
                    String where = "partition " + rs.getString(1) + " row " + rs.getLong(2);
                    try {
                        row = read(rs);
                    } catch (RuntimeException e) {
                        return new Verification(chain.count(), Optional.of(new ChainVerifier.Break(where, rs.getString(3),
                                "not a valid record: " + e.getMessage())), null);
                    }
                    if (retired.containsKey(rs.getString(1))) {
                        return new Verification(chain.count(), Optional.of(new ChainVerifier.Break(where, rs.getString(3),
                                "partition " + rs.getString(1) + " was retired by retention (" + retired.get(rs.getString(1))
                                        + ") but has rows")), null);
                    }
                    StoredRecord before = chain.last();
                    if (before != null && !before.partition().equals(row.partition())) {
                        Optional<ChainVerifier.Break> tail = checkHead(before, headHashes, heads);
                        if (tail.isPresent()) {
                            return new Verification(chain.count(), tail, null);
                        }
                        heads.remove(before.partition());
                    }
                    Optional<ChainVerifier.Break> broken = chain.accept(row, where);
                    if (broken.isPresent()) {
                        return new Verification(chain.count(), broken, null);
                    }
                }
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
        if (chain.last() != null) {
            Optional<ChainVerifier.Break> tail = checkHead(chain.last(), headHashes, heads);
            if (tail.isPresent()) {
                return new Verification(chain.count(), tail, null);
            }
            heads.remove(chain.last().partition());
        }
        if (!heads.isEmpty()) {
            String partition = heads.firstKey();
            return new Verification(chain.count(), Optional.of(new ChainVerifier.Break("partition " + partition, null,
                    "the chain head says " + heads.get(partition)[0] + " records, none are stored")), null);
        }
        return new Verification(chain.count(), Optional.empty(), chain.lastHash(), retired.size());
    }

    /** Retired partitions and what they held ({@code N records, head HASH}); none when the table predates retention. */
    private static Map<String, String> retired(Connection connection) throws SQLException {
        Map<String, String> retired = new TreeMap<>();
        try (PreparedStatement exists = connection.prepareStatement("select to_regclass('audit_retired_partitions') is not null");
             ResultSet rs = exists.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return retired;
            }
        }
        try (PreparedStatement st = connection.prepareStatement("select partition_month, seq, head_hash from audit_retired_partitions");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                retired.put(rs.getString(1), rs.getLong(2) + " records, head " + Hex.encode(rs.getBytes(3)).substring(0, 16) + "…");
            }
        }
        return retired;
    }

    /** The last row of a partition must be the head the store recorded: otherwise rows were cut off its end. */
    private static Optional<ChainVerifier.Break> checkHead(StoredRecord last, Map<String, byte[]> headHashes, Map<String, long[]> heads) {
        long[] head = heads.get(last.partition());
        byte[] hash = headHashes.get(last.partition());
        if (head == null) {
            return Optional.of(new ChainVerifier.Break("partition " + last.partition(), null, "has rows but no chain head"));
        }
        if (head[0] != last.seq() || !Arrays.equals(hash, last.chainHash())) {
            return Optional.of(new ChainVerifier.Break("partition " + last.partition() + " row " + (last.seq() + 1), null,
                    "the chain head is row " + head[0] + " (" + Hex.encode(hash).substring(0, 16)
                            + "…) but the stored chain ends at row " + last.seq() + ": rows were removed from its end"));
        }
        return Optional.empty();
    }

    /** One row as a stored record; used by the control plane's export too, so both read the same columns. */
    public static StoredRecord read(ResultSet rs) throws SQLException {
        AuditRecord record = new AuditRecord(rs.getString(3), rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
                rs.getInt(12), rs.getString(13), rs.getLong(14), rs.getLong(15), rs.getLong(16), rs.getString(17),
                rs.getString(18), rs.getString(19));
        long batchId = rs.getLong(23);
        BatchProof proof = rs.wasNull() ? null : new BatchProof(batchId, rs.getInt(24), rs.getInt(25), rs.getBytes(26));
        return new StoredRecord(rs.getString(1), rs.getLong(2), record, rs.getBytes(20), proof, rs.getBytes(21), rs.getBytes(22));
    }

    public static String selectColumns() {
        return SELECT;
    }
}
