package io.gatehouse.management.audit;

import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.audit.verify.StoreVerifier;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.audit.Hex;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.gatehouse.management.GatehouseConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Exports a time range of the store (optionally one API or consumer) as JSONL or CSV, in chain order, straight from a
 * database cursor to a file in the export directory, with its manifest beside it. A month of records never sits in
 * memory; the manifest is exact for the file because both come from one pass.
 */
@ApplicationScoped
public class AuditExports {
    @Inject
    AgroalDataSource dataSource;

    @Inject
    GatehouseConfig config;

    /** A finished export: its id, file and manifest. */
    public record Export(String id, Path file, Path manifestFile, ExportManifest manifest) {
    }

    /** Told how far an export has got: the records it will hold (counted first, in the same snapshot), then each one written. */
    public interface Progress {
        Progress NONE = new Progress() {
            @Override
            public void total(long records) {
            }

            @Override
            public void written(long records) {
            }
        };

        void total(long records);

        void written(long records);
    }

    public Export export(Instant from, Instant to, String apiId, String consumerId, ExportWriter.Format format) throws IOException, SQLException {
        return export(UUID.randomUUID().toString(), from, to, apiId, consumerId, format, Progress.NONE);
    }

    public Export export(String id, Instant from, Instant to, String apiId, String consumerId, ExportWriter.Format format,
                         Progress progress) throws IOException, SQLException {
        Path dir = Path.of(config.audit().exportDir());
        Files.createDirectories(dir);
        Path file = dir.resolve(id + "." + format.name().toLowerCase());
        StringBuilder sql = new StringBuilder(StoreVerifier.selectColumns()).append(" where at >= ? and at < ?");
        if (apiId != null) {
            sql.append(" and api_id = ?");
        }
        if (consumerId != null) {
            sql.append(" and consumer_id = ?");
        }
        String count = "select count(*) from audit_records" + sql.substring(sql.indexOf(" where "));
        sql.append(" order by partition_month, seq");
        ExportManifest manifest;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            // One snapshot for the rows, the heads and the keys: the manifest describes exactly what was read.
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (PreparedStatement counting = connection.prepareStatement(count)) {
                bind(counting, from, to, apiId, consumerId);
                try (ResultSet rs = counting.executeQuery()) {
                    rs.next();
                    progress.total(rs.getLong(1));
                }
            }
            try (PreparedStatement st = connection.prepareStatement(sql.toString());
                 OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                bind(st, from, to, apiId, consumerId);
                st.setFetchSize(1_000);
                ExportWriter writer = new ExportWriter(format, out);
                java.util.Set<String> partitions = new java.util.TreeSet<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        StoredRecord row = StoreVerifier.read(rs);
                        partitions.add(row.partition());
                        writer.write(row);
                        progress.written(writer.count());
                    }
                }
                Map<String, String> keys = keys(connection);
                manifest = writer.finish(from, to, apiId, consumerId, heads(connection, partitions), keys::get);
            } catch (IOException | SQLException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            } finally {
                connection.rollback();
            }
        }
        Path manifestFile = dir.resolve(id + ".manifest.json");
        Files.write(manifestFile, Json.writeBytes(manifest));
        return new Export(id, file, manifestFile, manifest);
    }

    private static void bind(PreparedStatement st, Instant from, Instant to, String apiId, String consumerId) throws SQLException {
        int i = 1;
        st.setObject(i++, from.atOffset(ZoneOffset.UTC));
        st.setObject(i++, to.atOffset(ZoneOffset.UTC));
        if (apiId != null) st.setString(i++, apiId);
        if (consumerId != null) st.setString(i, consumerId);
    }

    /** An export made earlier, by id; null when there is none. */
    public Export find(String id) throws IOException {
        if (!id.matches("[0-9a-f-]{36}")) {
            return null;
        }
        Path dir = Path.of(config.audit().exportDir());
        for (ExportWriter.Format format : ExportWriter.Format.values()) {
            Path file = dir.resolve(id + "." + format.name().toLowerCase());
            Path manifest = dir.resolve(id + ".manifest.json");
            if (Files.exists(file) && Files.exists(manifest)) {
                return new Export(id, file, manifest, Json.read(Files.readAllBytes(manifest), ExportManifest.class));
            }
        }
        return null;
    }

    private static Map<String, String> keys(Connection connection) throws SQLException {
        Map<String, String> keys = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement("select node_id, public_key from audit_node_keys");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                keys.put(rs.getString(1), rs.getString(2));
            }
        }
        return keys;
    }

    private static Map<String, String> heads(Connection connection, java.util.Set<String> partitions) throws SQLException {
        Map<String, String> heads = new TreeMap<>();
        try (PreparedStatement st = connection.prepareStatement("select partition_month, seq, head_hash from audit_chain_heads");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                if (partitions.contains(rs.getString(1))) {
                    heads.put(rs.getString(1), rs.getLong(2) + ":" + Hex.encode(rs.getBytes(3)));
                }
            }
        }
        return heads;
    }
}
