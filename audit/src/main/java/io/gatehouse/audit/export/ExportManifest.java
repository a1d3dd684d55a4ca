package io.gatehouse.audit.export;

import java.time.Instant;
import java.util.Map;

/**
 * What an export claims to hold, written beside it: checked by the verify command.
 *
 * @param format       {@code jsonl} or {@code csv}
 * @param from         start of the time range, inclusive
 * @param to           end of the time range, exclusive
 * @param apiId        the API filter, or null
 * @param consumerId   the consumer filter, or null
 * @param count        records in the export
 * @param firstHash    chain hash of the first record (hex), null when empty
 * @param lastHash     chain hash of the last record
 * @param chainHeads   per partition touched, the store's chain head when the export was made: {@code seq:hash}
 * @param publicKeys   node id to base64 public key, for every node whose records are in the export
 * @param sha256       SHA-256 of the export file's bytes (hex): any byte changed is caught even where no
 *                     record hash covers it (a partition name, a sequence number, line breaks)
 */
public record ExportManifest(
        String format,
        Instant generatedAt,
        Instant from,
        Instant to,
        String apiId,
        String consumerId,
        long count,
        String firstHash,
        String lastHash,
        Map<String, String> chainHeads,
        Map<String, String> publicKeys,
        String sha256) {
}
