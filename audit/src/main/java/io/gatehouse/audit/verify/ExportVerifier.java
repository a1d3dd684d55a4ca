package io.gatehouse.audit.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.export.Csv;
import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportedRecord;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.audit.Hex;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks an export file against its manifest, reading it once as a stream: every record's signature (with the
 * manifest's public keys; a batch-signed record's Merkle path up to its batch's signed root, each batch's signature
 * checked once) and chain links, then the count, first and last hashes and the file's digest. Exports made before
 * batch signatures (22 CSV columns, no batch fields in JSONL) verify as single-signed records.
 */
public final class ExportVerifier {
    private ExportVerifier() {
    }

    public static Verification verify(Path export, Path manifestFile) throws IOException {
        ExportManifest manifest;
        try {
            manifest = Json.mapper().readValue(Files.readAllBytes(manifestFile), ExportManifest.class);
        } catch (JsonProcessingException e) {
            return broken(0, "manifest", "not a readable manifest: " + e.getOriginalMessage());
        }
        Map<String, PublicKey> keys = new HashMap<>();
        if (manifest.publicKeys() != null) {
            for (Map.Entry<String, String> key : manifest.publicKeys().entrySet()) {
                try {
                    keys.put(key.getKey(), SignatureCheck.publicKey(key.getValue()));
                } catch (IllegalArgumentException e) {
                    return broken(0, "manifest", "public key of node " + key.getKey() + " is unusable: " + e.getMessage());
                }
            }
        }
        boolean csv = "csv".equalsIgnoreCase(manifest.format());
        ChainVerifier chain = new ChainVerifier(keys, ChainVerifier.Scope.EXPORT);
        MessageDigest digest = HashChain.sha256();
        try (InputStream raw = Files.newInputStream(export);
             BufferedReader in = new BufferedReader(new InputStreamReader(new DigestInputStream(raw, digest), StandardCharsets.UTF_8))) {
            String line;
            long number = 0;
            int columns = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (csv && number == 1) {
                    if (line.equals(String.join(",", ExportedRecord.COLUMNS))) {
                        columns = ExportedRecord.COLUMNS.size();
                    } else if (line.equals(String.join(",", ExportedRecord.SINGLE_SIGNED_COLUMNS))) {
                        columns = ExportedRecord.SINGLE_SIGNED_COLUMNS.size();
                    } else {
                        return broken(chain.count(), "line 1", "not the CSV header of an audit export");
                    }
                    continue;
                }
                StoredRecord row;
                try {
                    row = (csv ? fromCsv(line, columns) : Json.mapper().readValue(line, ExportedRecord.class)).toStored();
                } catch (JsonProcessingException e) {
                    return broken(chain.count(), "line " + number, "not a readable record: " + e.getOriginalMessage());
                } catch (RuntimeException e) {
                    return broken(chain.count(), "line " + number, "not a valid record: " + e.getMessage());
                }
                Optional<ChainVerifier.Break> broken = chain.accept(row, "line " + number + " (" + row.partition() + "#" + row.seq() + ")");
                if (broken.isPresent()) {
                    return new Verification(chain.count(), broken, null);
                }
            }
        }
        if (chain.count() != manifest.count()) {
            return broken(chain.count(), "end of export", "holds " + chain.count() + " records, the manifest says " + manifest.count());
        }
        if (chain.count() > 0 && (!chain.firstHash().equals(manifest.firstHash()) || !chain.lastHash().equals(manifest.lastHash()))) {
            return broken(chain.count(), "end of export", "first or last chain hash differs from the manifest");
        }
        if (manifest.sha256() == null || !Hex.encode(digest.digest()).equals(manifest.sha256())) {
            return broken(chain.count(), "end of export", "the file's SHA-256 differs from the manifest: bytes were changed outside the records' hashes");
        }
        return new Verification(chain.count(), Optional.empty(), chain.lastHash());
    }

    private static Verification broken(long verified, String where, String reason) {
        return new Verification(verified, Optional.of(new ChainVerifier.Break(where, null, reason)), null);
    }

    private static ExportedRecord fromCsv(String line, int columns) {
        List<String> f = Csv.split(line);
        if (f.size() != columns) {
            throw new IllegalArgumentException(f.size() + " columns, expected " + columns);
        }
        boolean batch = columns == ExportedRecord.COLUMNS.size();
        return new ExportedRecord(f.get(0), Long.parseLong(f.get(1)), f.get(2), Instant.parse(f.get(3)), f.get(4), f.get(5),
                f.get(6), f.get(7), f.get(8), f.get(9), f.get(10), Integer.parseInt(f.get(11)), f.get(12),
                Long.parseLong(f.get(13)), Long.parseLong(f.get(14)), Long.parseLong(f.get(15)), f.get(16), f.get(17),
                f.get(18), f.get(19), f.get(20), f.get(21),
                batch && f.get(22) != null ? Long.valueOf(f.get(22)) : null,
                batch && f.get(23) != null ? Integer.valueOf(f.get(23)) : null,
                batch && f.get(24) != null ? Integer.valueOf(f.get(24)) : null,
                batch ? f.get(25) : null);
    }
}
