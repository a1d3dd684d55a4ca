package io.gatehouse.audit.chain;

import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;

/**
 * An audit record as the store keeps it: its place in its partition's chain ({@code seq} from 1), what proves the
 * node made it, and the chain links.
 *
 * @param partition the monthly partition, {@code YYYY-MM} of the record's time in UTC
 * @param signature the node's signature: over the record itself when {@code proof} is null (single-signed, the first
 *                  form), else over the statement of the batch the proof places the record in
 * @param proof     the record's place in its signed batch, or null for a single-signed record
 */
public record StoredRecord(String partition, long seq, AuditRecord record, byte[] signature, BatchProof proof,
                           byte[] prevHash, byte[] chainHash) {

    public StoredRecord {
        java.util.Objects.requireNonNull(partition, "partition");
        java.util.Objects.requireNonNull(record, "record");
        java.util.Objects.requireNonNull(signature, "signature");
        java.util.Objects.requireNonNull(prevHash, "prevHash");
        java.util.Objects.requireNonNull(chainHash, "chainHash");
    }

    /** A single-signed record. */
    public StoredRecord(String partition, long seq, AuditRecord record, byte[] signature, byte[] prevHash, byte[] chainHash) {
        this(partition, seq, record, signature, null, prevHash, chainHash);
    }

    public static String partitionOf(java.time.Instant time) {
        java.time.YearMonth month = java.time.YearMonth.from(time.atOffset(java.time.ZoneOffset.UTC));
        return month.toString();
    }
}
