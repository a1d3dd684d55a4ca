package io.gatehouse.audit.chain;

import io.gatehouse.protocol.audit.AuditRecord;

/**
 * An audit record as the store keeps it: its place in its partition's chain ({@code seq} from 1), the node's
 * signature and the chain links.
 *
 * @param partition the monthly partition, {@code YYYY-MM} of the record's time in UTC
 */
public record StoredRecord(String partition, long seq, AuditRecord record, byte[] signature, byte[] prevHash, byte[] chainHash) {

    public StoredRecord {
        java.util.Objects.requireNonNull(partition, "partition");
        java.util.Objects.requireNonNull(record, "record");
        java.util.Objects.requireNonNull(signature, "signature");
        java.util.Objects.requireNonNull(prevHash, "prevHash");
        java.util.Objects.requireNonNull(chainHash, "chainHash");
    }

    public static String partitionOf(java.time.Instant time) {
        java.time.YearMonth month = java.time.YearMonth.from(time.atOffset(java.time.ZoneOffset.UTC));
        return month.toString();
    }
}
