package io.gatehouse.audit.export;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.audit.Hex;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Writes an export one record at a time (a month of records is never in memory) and builds its manifest on the way:
 * count, first and last chain hash, the nodes seen, and a digest of every byte written.
 */
public final class ExportWriter {
    public enum Format { JSONL, CSV }

    private final Format format;
    private final DigestOutputStream out;
    private final Set<String> nodes = new TreeSet<>();
    private long count;
    private String firstHash;
    private String lastHash;

    public ExportWriter(Format format, OutputStream target) throws IOException {
        this.format = format;
        this.out = new DigestOutputStream(target, HashChain.sha256());
        if (format == Format.CSV) {
            line(String.join(",", ExportedRecord.COLUMNS));
        }
    }

    public void write(StoredRecord stored) throws IOException {
        ExportedRecord exported = ExportedRecord.of(stored);
        if (format == Format.JSONL) {
            line(Json.write(exported));
        } else {
            StringBuilder row = new StringBuilder(512);
            for (Object value : exported.values()) {
                if (row.length() > 0) {
                    row.append(',');
                }
                row.append(Csv.quote(value == null ? null : value.toString()));
            }
            line(row.toString());
        }
        nodes.add(stored.record().nodeId());
        count++;
        if (firstHash == null) {
            firstHash = exported.chainHash();
        }
        lastHash = exported.chainHash();
    }

    private void line(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    /** Flushes the export and returns its manifest. */
    public ExportManifest finish(Instant from, Instant to, String apiId, String consumerId, Map<String, String> chainHeads,
                                 Function<String, String> publicKeyOfNode) throws IOException {
        out.flush();
        Map<String, String> keys = new java.util.TreeMap<>();
        for (String node : nodes) {
            keys.put(node, publicKeyOfNode.apply(node));
        }
        MessageDigest digest = out.getMessageDigest();
        return new ExportManifest(format.name().toLowerCase(), Instant.now(), from, to, apiId, consumerId, count, firstHash,
                lastHash, chainHeads, keys, Hex.encode(digest.digest()));
    }

    public long count() {
        return count;
    }
}
