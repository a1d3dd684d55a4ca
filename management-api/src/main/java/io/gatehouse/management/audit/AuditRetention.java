package io.gatehouse.management.audit;

import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.audit.verify.ChainVerifier;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.protocol.audit.Hex;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drops whole monthly partitions of the audit trail once retention has passed, keeping what each held (record
 * count, first and last time, head hash) in {@code audit_retired_partitions}. A partition is dropped only after its
 * chain verifies from its first row to its recorded head: retention never launders a tampered month away; a
 * partition that does not verify is kept and reported in the log until someone looks at it.
 *
 * <p>A month M is dropped once the end of M is {@code months} months in the past, so every record is kept at least
 * that long. Several control planes may run the job: the head row is locked while its partition is retired, and the
 * second one finds nothing left to do.
 */
@ApplicationScoped
public class AuditRetention {
    private static final Logger LOG = Logger.getLogger(AuditRetention.class);

    /** A partition retention dropped, as the store remembers it. */
    public record Retired(String partition, long count, String headHash, Instant firstAt, Instant lastAt) {
    }

    @Inject
    AgroalDataSource dataSource;
    @Inject
    AuditStore store;
    @Inject
    GatehouseConfig config;

    private ScheduledExecutorService scheduler;

    void onStart(@Observes StartupEvent event) {
        int months = config.audit().retention().months();
        if (months < 1) {
            throw new IllegalArgumentException("gatehouse.audit.retention.months must be at least 1, got " + months);
        }
        Duration every = config.audit().retention().checkEvery();
        if (every.isZero() || every.isNegative()) {
            LOG.info("audit retention job off (gatehouse.audit.retention.check-every is zero)");
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "gatehouse-audit-retention");
            thread.setDaemon(true);
            return thread;
        });
        // A first look a minute after start, then on the period: a restart loop does not keep rescanning.
        scheduler.scheduleWithFixedDelay(this::runScheduled, Math.min(60, every.toSeconds()), every.toSeconds(), TimeUnit.SECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void runScheduled() {
        try {
            retire(Instant.now(), config.audit().retention().months());
        } catch (Exception e) {
            LOG.errorf(e, "audit retention run failed; it runs again in %s", config.audit().retention().checkEvery());
        }
    }

    /** The first month kept at {@code now}: months before it have passed retention. */
    public static YearMonth firstKept(Instant now, int months) {
        // Month M ends at the start of M+1; it may go once that is at least `months` months ago.
        return YearMonth.from(now.atOffset(ZoneOffset.UTC).minusMonths(months));
    }

    /**
     * Drops every partition older than retention allows at {@code now}. Blocking JDBC; returns what it dropped.
     */
    public List<Retired> retire(Instant now, int months) throws SQLException {
        String firstKept = firstKept(now, months).toString();
        List<String> candidates = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement st = connection.prepareStatement(
                     "select partition_month from audit_chain_heads where partition_month < ? order by partition_month")) {
            st.setString(1, firstKept);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    candidates.add(rs.getString(1));
                }
            }
        }
        List<Retired> done = new ArrayList<>();
        for (String partition : candidates) {
            retireOne(partition).ifPresent(done::add);
        }
        if (!done.isEmpty()) {
            LOG.infof("audit retention (%d months) dropped partitions %s", months, done.stream().map(Retired::partition).toList());
        }
        return done;
    }

    private Optional<Retired> retireOne(String partition) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Optional<Retired> retired = retireLocked(connection, partition);
                connection.commit();
                retired.ifPresent(r -> store.forget(r.partition()));
                return retired;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private Optional<Retired> retireLocked(Connection connection, String partition) throws SQLException {
        long seq;
        byte[] head;
        // The month's lock first, then the head's row: ingest takes them in this order too, so neither waits on the other in a cycle.
        AuditStore.lockMonth(connection, partition);
        try (PreparedStatement st = connection.prepareStatement(
                "select seq, head_hash from audit_chain_heads where partition_month = ? for update")) {
            st.setString(1, partition);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();   // another control plane retired it first
                }
                seq = rs.getLong(1);
                head = rs.getBytes(2);
            }
        }
        Optional<String> broken = verifyPartition(connection, partition, seq, head);
        if (broken.isPresent()) {
            LOG.errorf("audit partition %s has passed retention but its chain does not verify (%s): kept for inspection", partition,
                    broken.get());
            return Optional.empty();
        }
        Instant first = null;
        Instant last = null;
        try (PreparedStatement st = connection.prepareStatement(
                "select min(at), max(at) from audit_records where partition_month = ?")) {
            st.setString(1, partition);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                OffsetDateTime min = rs.getObject(1, OffsetDateTime.class);
                OffsetDateTime max = rs.getObject(2, OffsetDateTime.class);
                first = min == null ? null : min.toInstant();
                last = max == null ? null : max.toInstant();
            }
        }
        try (PreparedStatement st = connection.prepareStatement("insert into audit_retired_partitions"
                + " (partition_month, seq, head_hash, first_at, last_at) values (?, ?, ?, ?, ?)")) {
            st.setString(1, partition);
            st.setLong(2, seq);
            st.setBytes(3, head);
            st.setObject(4, first == null ? null : first.atOffset(ZoneOffset.UTC));
            st.setObject(5, last == null ? null : last.atOffset(ZoneOffset.UTC));
            st.executeUpdate();
        }
        try (Statement st = connection.createStatement()) {
            // The partition's name is made from a YYYY-MM read back from the store's own table, never from input.
            st.execute("drop table if exists audit_records_" + YearMonth.parse(partition).toString().replace('-', '_'));
        }
        for (String sql : List.of("delete from audit_request_ids where partition_month = ?",
                "delete from audit_chain_heads where partition_month = ?")) {
            try (PreparedStatement st = connection.prepareStatement(sql)) {
                st.setString(1, partition);
                st.executeUpdate();
            }
        }
        return Optional.of(new Retired(partition, seq, Hex.encode(head), first, last));
    }

    /** The partition's rows, signature by signature and link by link, up to its head; the first break, if any. */
    private static Optional<String> verifyPartition(Connection connection, String partition, long headSeq, byte[] headHash)
            throws SQLException {
        Map<String, PublicKey> keys = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement("select node_id, public_key from audit_node_keys");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                try {
                    keys.put(rs.getString(1), SignatureCheck.publicKey(rs.getString(2)));
                } catch (IllegalArgumentException e) {
                    // Its records are reported as unverifiable below.
                }
            }
        }
        ChainVerifier chain = new ChainVerifier(keys, ChainVerifier.Scope.STORE);
        try (PreparedStatement st = connection.prepareStatement(StoreVerifier.selectColumns() + " where partition_month = ? order by seq")) {
            st.setString(1, partition);
            st.setFetchSize(1_000);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    StoredRecord row = StoreVerifier.read(rs);
                    Optional<ChainVerifier.Break> broken = chain.accept(row, "partition " + partition + " row " + row.seq());
                    if (broken.isPresent()) {
                        return Optional.of(broken.get().toString());
                    }
                }
            }
        }
        StoredRecord last = chain.last();
        long lastSeq = last == null ? 0 : last.seq();
        if (lastSeq != headSeq || (last != null && !Arrays.equals(last.chainHash(), headHash))) {
            return Optional.of("the chain ends at row " + lastSeq + " but its head is row " + headSeq);
        }
        return Optional.empty();
    }

    /** The partitions retention has dropped, oldest first. */
    public List<Retired> retired() throws SQLException {
        List<Retired> out = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement st = connection.prepareStatement(
                     "select partition_month, seq, head_hash, first_at, last_at from audit_retired_partitions order by partition_month");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                OffsetDateTime first = rs.getObject(4, OffsetDateTime.class);
                OffsetDateTime last = rs.getObject(5, OffsetDateTime.class);
                out.add(new Retired(rs.getString(1), rs.getLong(2), Hex.encode(rs.getBytes(3)),
                        first == null ? null : first.toInstant(), last == null ? null : last.toInstant()));
            }
        }
        return out;
    }
}
