package io.gatehouse.audit.export;

import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.Hex;

import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * One line of a JSONL export (and one row of a CSV export, columns in this order): the record's fields, its
 * signature (base64), its chain links (hex), and for a batch-signed record its batch id, leaf index, batch size and
 * Merkle path (hex, 32 bytes a hash; all four null for a single-signed record). Everything the verify command needs
 * to recompute the canonical form, check the signature and follow the chain.
 */
public record ExportedRecord(
        String partition,
        long seq,
        String requestId,
        Instant time,
        String nodeId,
        String consumerId,
        String applicationId,
        String apiId,
        String operation,
        String method,
        String path,
        int status,
        String errorCode,
        long latencyMicros,
        long bytesIn,
        long bytesOut,
        String clientAddress,
        String requestBodySha256,
        String responseBodySha256,
        String signature,
        String prevHash,
        String chainHash,
        Long batchId,
        Integer leafIndex,
        Integer leafCount,
        String merklePath) {

    public static final List<String> COLUMNS = List.of("partition", "seq", "requestId", "time", "nodeId", "consumerId",
            "applicationId", "apiId", "operation", "method", "path", "status", "errorCode", "latencyMicros", "bytesIn",
            "bytesOut", "clientAddress", "requestBodySha256", "responseBodySha256", "signature", "prevHash", "chainHash",
            "batchId", "leafIndex", "leafCount", "merklePath");

    /** The columns of exports made before batch signatures: such an export still verifies (its records are single-signed). */
    public static final List<String> SINGLE_SIGNED_COLUMNS = COLUMNS.subList(0, 22);

    public static ExportedRecord of(StoredRecord stored) {
        AuditRecord r = stored.record();
        BatchProof p = stored.proof();
        return new ExportedRecord(stored.partition(), stored.seq(), r.requestId(), r.time(), r.nodeId(), r.consumerId(),
                r.applicationId(), r.apiId(), r.operation(), r.method(), r.path(), r.status(), r.errorCode(),
                r.latencyMicros(), r.bytesIn(), r.bytesOut(), r.clientAddress(), r.requestBodySha256(),
                r.responseBodySha256(), Base64.getEncoder().encodeToString(stored.signature()),
                Hex.encode(stored.prevHash()), Hex.encode(stored.chainHash()),
                p == null ? null : p.batchId(), p == null ? null : p.leafIndex(), p == null ? null : p.leafCount(),
                p == null ? null : Hex.encode(p.path()));
    }

    /** Back to the stored form; IllegalArgumentException (or NullPointerException) when a field is unusable. */
    public StoredRecord toStored() {
        AuditRecord record = new AuditRecord(requestId, time, nodeId, consumerId, applicationId, apiId, operation, method,
                path, status, errorCode, latencyMicros, bytesIn, bytesOut, clientAddress, requestBodySha256, responseBodySha256);
        BatchProof proof = null;
        if (batchId != null || leafIndex != null || leafCount != null || merklePath != null) {
            if (batchId == null || leafIndex == null || leafCount == null || merklePath == null) {
                throw new IllegalArgumentException("a batch-signed record needs batchId, leafIndex, leafCount and merklePath together");
            }
            proof = new BatchProof(batchId, leafIndex, leafCount, Hex.decode(merklePath));
        }
        return new StoredRecord(partition, seq, record, Base64.getDecoder().decode(signature), proof, Hex.decode(prevHash),
                Hex.decode(chainHash));
    }

    /** The values in {@link #COLUMNS} order, nulls as null. */
    List<Object> values() {
        return java.util.Arrays.asList(partition, seq, requestId, time, nodeId, consumerId, applicationId, apiId, operation,
                method, path, status, errorCode, latencyMicros, bytesIn, bytesOut, clientAddress, requestBodySha256,
                responseBodySha256, signature, prevHash, chainHash, batchId, leafIndex, leafCount, merklePath);
    }
}
